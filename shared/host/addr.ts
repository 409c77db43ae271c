// Address helpers over ipaddr.js, with Go's net.IP semantics: strict parsing (no "10.1", no
// leading zeros, no zones), IPv4-mapped IPv6 treated as IPv4 (Go's To4), canonical strings.
import ipaddr from 'ipaddr.js';

export type Ip = ipaddr.IPv4 | ipaddr.IPv6;
export interface Cidr {
  ip: Ip;
  prefix: number;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Go's net.ParseIP, canonicalised (mapped v4 → v4); undefined when invalid. */
export function parseIp(s: string): Ip | undefined {
  if (V4.test(s)) return ipaddr.IPv4.parse(s);
  if (!s.includes(':') || s.includes('%') || !ipaddr.IPv6.isValid(s)) return undefined;
  // ipaddr.js accepts a dotted tail with fewer parts; Go does not.
  const tail = /\.[^:]*$/.exec(s);
  if (tail && !V4.test(s.slice(s.lastIndexOf(':') + 1))) return undefined;
  const v6 = ipaddr.IPv6.parse(s);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** Go's net.ParseCIDR (the address keeps its host bits, as CNI's types.IPNet does). */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ipPart = s.slice(0, slash);
  const lenPart = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(lenPart)) return undefined;
  const prefix = Number(lenPart);
  // A mapped address keeps its IPv6 mask length in Go; treat it as IPv6 here, never as v4.
  const ip = V4.test(ipPart) ? ipaddr.IPv4.parse(ipPart) : parseIp(ipPart) && ipaddr.IPv6.parse(ipPart);
  if (!ip) return undefined;
  if (prefix > bits(ip)) return undefined;
  return { ip, prefix };
}

/** An address family, as the plugins' configs and rules number them. */
export type Family = 4 | 6;

/** IPv4 or not: a parsed address, or an address or CIDR in text ("10.0.0.1", "10.0.0.0/8"). */
export function isV4(ip: Ip): ip is ipaddr.IPv4;
export function isV4(addrOrCidr: string): boolean;
export function isV4(a: Ip | string): boolean {
  if (typeof a !== 'string') return a.kind() === 'ipv4';
  const s = a.split('/')[0] ?? '';
  return ipaddr.IPv4.isValid(s) && !s.includes(':');
}
export const bits = (ip: Ip): number => (isV4(ip) ? 32 : 128);
export const ipString = (ip: Ip): string => ip.toString();
export const cidrString = (c: Cidr): string => `${ipString(c.ip)}/${c.prefix}`;

const fromBytes = (b: number[]): Ip => ipaddr.fromByteArray(b) as Ip;

/** Byte-wise comparison; addresses of different families compare by length (v4 first). */
export function cmp(a: Ip, b: Ip): number {
  const x = a.toByteArray();
  const y = b.toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

export const same = (a: Ip | undefined, b: Ip | undefined): boolean => !!a && !!b && cmp(a, b) === 0;

/** The address after ip (wrapping at the top of the family, as unreachable in practice). */
export function nextIp(ip: Ip): Ip {
  const b = ip.toByteArray();
  for (let i = b.length - 1; i >= 0; i--) {
    b[i] = (b[i]! + 1) & 0xff;
    if (b[i] !== 0) break;
  }
  return fromBytes(b);
}

function maskBytes(ip: Ip, prefix: number): number[] {
  const kind = isV4(ip) ? ipaddr.IPv4 : ipaddr.IPv6;
  return kind.subnetMaskFromPrefixLength(prefix).toByteArray();
}

/** The network address of a CIDR (host bits cleared). */
export function networkOf(c: Cidr): Ip {
  const m = maskBytes(c.ip, c.prefix);
  return fromBytes(c.ip.toByteArray().map((x, i) => x & m[i]!));
}

/** The last address of a CIDR (all host bits set). */
export function lastOf(c: Cidr): Ip {
  const m = maskBytes(c.ip, c.prefix);
  return fromBytes(c.ip.toByteArray().map((x, i) => (x | ~m[i]!) & 0xff));
}

/** ip inside the CIDR (same family). */
export function inCidr(ip: Ip, c: Cidr): boolean {
  return ip.kind() === c.ip.kind() && ip.match(c.ip, c.prefix);
}

/** Previous address (Go's `end[3]--` for the IPv4 broadcast). */
export function prevIp(ip: Ip): Ip {
  const b = ip.toByteArray();
  for (let i = b.length - 1; i >= 0; i--) {
    b[i] = (b[i]! - 1) & 0xff;
    if (b[i] !== 0xff) break;
  }
  return fromBytes(b);
}

// --- strings in, strings out: for results and rules, which carry addresses as text ------------

/** An address with or without prefix as a Cidr (a bare address is /32 or /128); throws if invalid. */
function cidrOf(s: string): Cidr {
  const c = s.includes('/')
    ? parseCidr(s)
    : (() => {
        const ip = parseIp(s);
        return ip && { ip, prefix: bits(ip) };
      })();
  if (!c) throw new Error(`invalid address "${s}"`);
  return c;
}

/** "10.1.2.3/24" → "10.1.2.3/24" canonically written ("fd00:0::1/64" → "fd00::1/64"). */
export const canonCidr = (s: string): string => cidrString(cidrOf(s));

/** "10.1.2.3/24" → "10.1.2.0/24": the network, as iptables-save and routes print it. */
export function networkCidr(s: string): string {
  const c = cidrOf(s);
  return `${ipString(networkOf(c))}/${c.prefix}`;
}
