// Per-run unique names for everything a conformance test creates on the host.
//
// Every kernel object, network name and container ID a test makes carries
// RUN_PREFIX, so cleanup can find (and only find) what this run created, even
// while other test files run in parallel in other workers. Under vitest's
// forks pool each test file is its own module graph, hence its own prefix.

import { randomInt } from 'node:crypto';

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
// Letters that are not hex digits: putting one in the prefix guarantees it can
// never occur inside a hash-derived name such as iptables chain "CNI-3fa9…".
const NON_HEX = 'ghijklmnopqrstuvwxyz';

/** Linux IFNAMSIZ is 16 including the NUL terminator. */
export const IFNAME_MAX = 15;

function makePrefix(): string {
  let s = `c${NON_HEX[randomInt(NON_HEX.length)]}`;
  for (let i = 0; i < 4; i++) s += BASE36[randomInt(BASE36.length)];
  return s;
}

/**
 * 6 chars, `c` + non-hex letter + 4 base36 chars, e.g. `ck3x9a`.
 * CNI_TS_RUN_PREFIX may pin it (debugging only; must keep that shape).
 */
export const RUN_PREFIX: string = (() => {
  const pinned = process.env.CNI_TS_RUN_PREFIX;
  if (pinned !== undefined && /^c[g-z][0-9a-z]{4}$/.test(pinned)) return pinned;
  return makePrefix();
})();

let counter = 0;
/** Short per-run counter in base36; makes repeated names within a file distinct. */
export function nextId(): string {
  return (counter++).toString(36);
}

/** True if `name` was made by this run (starts with RUN_PREFIX). */
export function isOurs(name: string): boolean {
  return name.startsWith(RUN_PREFIX);
}

// CNI spec (and libcni's validation) for container IDs and network names.
const CNI_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Interface name `<prefix><suffix>`; throws if it would exceed 15 bytes,
 * because the kernel would reject it and the failure would be confusing.
 */
export function ifName(suffix: string): string {
  const name = RUN_PREFIX + suffix;
  if (Buffer.byteLength(name) > IFNAME_MAX) {
    throw new Error(`interface name ${JSON.stringify(name)} exceeds ${IFNAME_MAX} bytes`);
  }
  if (/[\s/:]/.test(name)) throw new Error(`invalid interface name ${JSON.stringify(name)}`);
  return name;
}

/** Bridge name, e.g. `ck3x9abr0`. Pass a number or nothing for a fresh one. */
export function bridgeName(n?: number | string): string {
  return ifName(`br${n ?? nextId()}`);
}

/** CNI network name, e.g. `ck3x9a-net0`. Also names cnitool cache files and host-local dirs. */
export function netName(suffix?: string): string {
  const name = `${RUN_PREFIX}-${suffix ?? `net${nextId()}`}`;
  if (!CNI_NAME_RE.test(name)) throw new Error(`invalid CNI network name ${JSON.stringify(name)}`);
  return name;
}

/** CNI container ID, e.g. `ck3x9a-ctr2`. */
export function containerId(suffix?: string): string {
  const id = `${RUN_PREFIX}-${suffix ?? `ctr${nextId()}`}`;
  if (!CNI_NAME_RE.test(id)) throw new Error(`invalid CNI container ID ${JSON.stringify(id)}`);
  return id;
}

/** Network namespace name, e.g. `ck3x9a-ns1` (names are files in /run/netns, no length limit). */
export function netnsName(suffix?: string): string {
  const name = `${RUN_PREFIX}-${suffix ?? `ns${nextId()}`}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`invalid netns name ${JSON.stringify(name)}`);
  }
  return name;
}

/** nft table name, e.g. `ck3x9a_t0` (nft identifiers: letters, digits, _ . -). */
export function nftTableName(suffix?: string): string {
  return `${RUN_PREFIX}_${suffix ?? `t${nextId()}`}`;
}
