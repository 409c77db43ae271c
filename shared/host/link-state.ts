// Host-side link state: whether a link exists, its kind, MAC, flags and operstate.
//
// /sys/class/net answers without a process, but it describes the namespace /sys was mounted for,
// which is not always ours: a caller that switched namespace with setns() alone (`nsenter --net`
// without a remount) leaves the old /sys in place, and links we just made are missing from it.
// /proc/self/net/dev always lists this process's own links, so comparing the two tells, cheaply,
// whether /sys can be trusted; when it cannot, `ip -d -j link show` (netlink) answers instead.
// The choice is made once per call (linkReader), never at module load: the answer belongs to the
// call, not to package-time warming.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CniError, Code } from '../cni/errors.ts';
import { ipBatch, line, parseLinks, type Link } from './iproute2.ts';

export interface LinkState {
  name: string;
  isBridge: boolean;
  mac: string | undefined;
  up: boolean;
  promisc: boolean;
  /** The MAC was set explicitly (addr_assign_type NET_ADDR_SET) and no longer follows the ports.
   * Unknown through netlink: reported false, so a caller pins it again (a no-op change). */
  pinned: boolean;
  /** lower-case operstate: "up", "down", "unknown", … */
  operstate: string;
  /** A bridge's default PVID (1 unless changed). */
  defaultPvid: number;
}

export interface LinkReader {
  /** Where the answers come from (for tests and diagnostics). */
  readonly source: 'sysfs' | 'netlink';
  get(dev: string): Promise<LinkState | undefined>;
}

const sysRead = (dev: string, file: string): string | undefined => {
  try {
    return readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

const sysfsReader: LinkReader = {
  source: 'sysfs',
  async get(dev) {
    if (!existsSync(`/sys/class/net/${dev}`)) return undefined;
    const flags = Number.parseInt(sysRead(dev, 'flags') ?? '0', 16) || 0;
    return {
      name: dev,
      isBridge: existsSync(`/sys/class/net/${dev}/bridge`),
      mac: sysRead(dev, 'address'),
      up: (flags & 0x1) !== 0,
      promisc: (flags & 0x100) !== 0,
      pinned: sysRead(dev, 'addr_assign_type') === '3',
      operstate: sysRead(dev, 'operstate') ?? 'unknown',
      defaultPvid: Number(sysRead(dev, 'bridge/default_pvid') ?? '1'),
    };
  },
};

/** A link from `ip -d -j` output in LinkState's terms. */
export function linkStateOf(l: Link): LinkState {
  const data = (l.linkinfo?.info_data ?? {}) as { vlan_default_pvid?: number };
  return {
    name: l.ifname,
    isBridge: l.linkinfo?.info_kind === 'bridge',
    mac: l.address,
    up: l.flags.includes('UP'),
    promisc: l.flags.includes('PROMISC'),
    pinned: false,
    operstate: (l.operstate ?? 'unknown').toLowerCase(),
    defaultPvid: data.vlan_default_pvid ?? 1,
  };
}

const netlinkReader: LinkReader = {
  source: 'netlink',
  async get(dev) {
    const r = await ipBatch([line('link', 'show', 'dev', dev)], { json: true, details: true, allowFail: true });
    if (r.exitCode !== 0) return undefined;
    const l = parseLinks(r.outputs[0] ?? [])[0];
    return l ? linkStateOf(l) : undefined;
  },
};

/** Link names in /proc/self/net/dev (this process's namespace, whatever /sys shows). */
export function ownLinkNames(netDev: string): string[] {
  return netDev
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '');
}

/** Whether /sys/class/net lists exactly this process's links (checked twice: a link may come or go in between). */
export function sysfsIsOwn(): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const own = ownLinkNames(readFileSync('/proc/self/net/dev', 'latin1')).sort();
      const sys = readdirSync('/sys/class/net').sort();
      if (own.length === sys.length && own.every((n, j) => n === sys[j])) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** The reader for this call: /sys when it is this namespace's, netlink otherwise. */
export const linkReader = (): LinkReader => (sysfsIsOwn() ? sysfsReader : netlinkReader);

/** Wait for a link to report operstate up, polling briefly first, then backing off like the reference (about 2.5 s in all). */
export async function waitOperUp(reader: LinkReader, dev: string, what = 'bridge port'): Promise<void> {
  let state = 'unknown';
  for (const ms of [0, 2, 5, 10, 30, 500, 1000, 1000]) {
    if (ms) await sleep(ms);
    state = (await reader.get(dev))?.operstate ?? 'missing';
    if (state === 'up') return;
  }
  throw new CniError(Code.Internal, `${what} in error state: ${state}`);
}
