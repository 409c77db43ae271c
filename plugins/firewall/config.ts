// firewall configuration (containernetworking/plugins `plugins/meta/firewall/firewall.go`,
// FirewallNetConf): keys decoded as Go does, every value that can reach an iptables-restore script
// or a D-Bus call validated first, and the addresses taken from prevResult.
import * as z from 'zod/mini';
import { isV4, parseCidr, type Family } from '../../shared/host/addr.ts';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, parseConfig } from '../../shared/cni/schema.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import { ifnameProblem } from '../../shared/cni/validate.ts';

export const FirewallConfSchema = goObject({
  ...baseShape,
  backend: z.optional(z.string()),
  iptablesAdminChainName: z.optional(z.string()),
  firewalldZone: z.optional(z.string()),
  ingressPolicy: z.optional(z.string()),
});
export type FirewallConfRaw = z.infer<typeof FirewallConfSchema>;

/** Where the firewall plugin's rules live (not the masquerade/portmap `Backend`). */
export type FirewallBackend = 'iptables' | 'firewalld';
export type IngressPolicy = 'open' | 'same-bridge';

export interface FirewallConf {
  name: string;
  cniVersion: string;
  /** Chosen explicitly; undefined = firewalld when it answers on the system bus, else iptables. */
  backend?: FirewallBackend;
  adminChain: string;
  zone: string;
  ingressPolicy: IngressPolicy;
  prevResult?: Result;
  raw: FirewallConfRaw;
}

export const FORWARD_CHAIN = 'CNI-FORWARD';
export const DEFAULT_ADMIN_CHAIN = 'CNI-ADMIN';
export const DEFAULT_ZONE = 'trusted';

// iptables chain names: up to 28 characters, nothing iptables-restore could read as syntax, and
// not a built-in chain or target (a jump there would be refused, or loop back into CNI-FORWARD).
const CHAIN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,27}$/;
const RESERVED_CHAINS = new Set([
  'INPUT',
  'OUTPUT',
  'FORWARD',
  'PREROUTING',
  'POSTROUTING',
  'ACCEPT',
  'DROP',
  'RETURN',
  'QUEUE',
  FORWARD_CHAIN,
  'CNI-ISOLATION-STAGE-1',
  'CNI-ISOLATION-STAGE-2',
]);
// firewalld zone names: letters, digits and _ + . - (firewalld's own check is stricter still).
const ZONE = /^[A-Za-z0-9][A-Za-z0-9_+.-]{0,63}$/;

/** Parse and validate; errors keep the reference's "failed to load netconf: " prefix. */
export function parseFirewallConf(raw: unknown, cniVersion: string): FirewallConf {
  let c: FirewallConfRaw;
  try {
    c = parseConfig(FirewallConfSchema, raw);
  } catch (e) {
    if (e instanceof CniError) throw new CniError(e.code, `failed to load netconf: ${e.message}`, e.details);
    throw e;
  }
  let backend: FirewallBackend | undefined;
  if (c.backend !== undefined && c.backend !== '') {
    // The reference silently auto-detects on anything else; a typo would pick a backend the
    // operator did not ask for.
    if (c.backend !== 'iptables' && c.backend !== 'firewalld')
      throw invalidConfig(`backend: unknown backend ${JSON.stringify(c.backend)} (want "iptables" or "firewalld")`);
    backend = c.backend;
  }
  const adminChain = c.iptablesAdminChainName || DEFAULT_ADMIN_CHAIN;
  if (!CHAIN.test(adminChain))
    throw invalidConfig(
      `iptablesAdminChainName: invalid chain name ${JSON.stringify(adminChain)} (up to 28 of A-Z a-z 0-9 _ . + -, starting with a letter or digit)`,
    );
  if (RESERVED_CHAINS.has(adminChain)) throw invalidConfig(`iptablesAdminChainName: ${JSON.stringify(adminChain)} is a built-in or plugin chain`);
  const zone = c.firewalldZone || DEFAULT_ZONE;
  if (!ZONE.test(zone)) throw invalidConfig(`firewalldZone: invalid zone name ${JSON.stringify(zone)}`);
  const policy = c.ingressPolicy || 'open';
  if (policy !== 'open' && policy !== 'same-bridge')
    throw invalidConfig(`ingressPolicy: unknown ingress policy ${JSON.stringify(policy)} (want "open" or "same-bridge")`);
  const prev = prevResultOf(c, cniVersion);
  return {
    name: c.name,
    cniVersion,
    ...(backend ? { backend } : {}),
    adminChain,
    zone,
    ingressPolicy: policy,
    ...(prev ? { prevResult: prev } : {}),
    raw: c,
  };
}

/** An address of the container as the rules name it: a host route (/32 or /128). */
export interface HostAddr {
  family: Family;
  /** `10.0.0.2/32`, `fd00::2/128` (the reference's ipString). */
  cidr: string;
}

/**
 * Every address of prevResult, in order, as /32 or /128 (the reference uses all of them,
 * whatever interface they belong to). Duplicates are dropped: they would be the same rule.
 */
export function hostAddrs(prev: Result | undefined): HostAddr[] {
  const out: HostAddr[] = [];
  for (const [i, ip] of (prev?.ips ?? []).entries()) {
    const c = parseCidr(ip.address);
    if (!c) throw new CniError(Code.DecodingFailure, `failed to parse prevResult: ips[${i}].address: invalid CIDR address ${JSON.stringify(ip.address)}`);
    // An IPv4-mapped IPv6 address is IPv4 to Go's To4(), and printed as such.
    const addr = !isV4(c.ip) && c.ip.isIPv4MappedAddress() ? c.ip.toIPv4Address() : c.ip;
    const family: Family = isV4(addr) ? 4 : 6;
    const cidr = `${addr.toString()}/${family === 4 ? 32 : 128}`;
    if (!out.some((a) => a.cidr === cidr)) out.push({ family, cidr });
  }
  return out;
}

/** The bridge for ingressPolicy same-bridge: prevResult's first interface, as the reference takes it. */
export function bridgeOf(conf: FirewallConf): string {
  const first = conf.prevResult?.interfaces?.[0];
  if (!first) {
    throw new CniError(
      Code.Internal,
      `interface needs to be set for ingress policy "${conf.ingressPolicy}", make sure to chain "firewall" plugin with "bridge"`,
    );
  }
  if (first.name === '') throw new CniError(Code.Internal, 'got empty bridge name');
  // It becomes `-i`/`-o` of a rule: an interface name the kernel could have, nothing else (a
  // trailing + would be an iptables wildcard matching other bridges too).
  const p = ifnameProblem(first.name) ?? (first.name.endsWith('+') ? 'interface name ends with + (an iptables wildcard)' : undefined);
  if (p) throw new CniError(Code.DecodingFailure, `failed to parse prevResult: interfaces[0].name: ${p}`, first.name);
  return first.name;
}

export function requirePrev(conf: FirewallConf): Result {
  if (!conf.prevResult) throw new CniError(Code.Internal, 'missing prevResult from earlier plugin');
  return conf.prevResult;
}
