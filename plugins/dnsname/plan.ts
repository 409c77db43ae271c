// Pure planning: which addresses and names an attachment writes (containers/dnsname `result.go`
// getIPs), the nameservers of the result (getInterfaceAddresses), and how addnhosts and our records
// change on ADD, DEL and GC. Lines are keyed by attachment: address and name, never the name alone
// (containers/dnsname #86), and an ADD replaces the lines of its addresses instead of appending twice.
import { CniError, Code } from '../../shared/cni/errors.ts';
import { ifnameProblem } from '../../shared/cni/validate.ts';
import type { Result } from '../../shared/cni/result.ts';
import { parseCidr, parseIp, ipString } from '../../shared/host/addr.ts';
import { hostsLine, type HostsLine, type Records } from './files.ts';

/** The bridge: prevResult's first interface (the reference's `result.Interfaces[0].Name`). */
export function bridgeOf(prev: Result): string {
  const name = prev.interfaces?.[0]?.name;
  if (name === undefined) {
    throw new CniError(Code.InvalidNetworkConfig, 'prevResult.interfaces: empty: dnsname must be chained after a plugin whose first interface is the bridge');
  }
  const p = ifnameProblem(name);
  if (p) throw new CniError(Code.InvalidNetworkConfig, `prevResult.interfaces[0].name: ${p}`, name);
  return name;
}

const canon = (ip: string): string => {
  const a = parseIp(ip);
  return a ? ipString(a) : ip;
};

/**
 * result.go getIPs: the only address when there is one; otherwise those whose interface is in a
 * sandbox (an index out of range is an error). As canonical strings, without prefix length.
 */
export function attachmentIps(prev: Result): string[] {
  const ips = prev.ips ?? [];
  const addr = (a: string) => {
    const c = parseCidr(a);
    if (!c) throw new CniError(Code.DecodingFailure, `prevResult: invalid address ${JSON.stringify(a)}`);
    return ipString(c.ip);
  };
  if (ips.length === 0) throw new CniError(Code.Internal, 'no ip address was found in the network');
  if (ips.length === 1) return [addr(ips[0]!.address)];
  const out: string[] = [];
  for (const ip of ips) {
    if (ip.interface === undefined) continue;
    const itf = prev.interfaces?.[ip.interface];
    if (!itf) throw new CniError(Code.Internal, 'unable to check if interface has a sandbox due to index being out of range');
    if (itf.sandbox) out.push(addr(ip.address));
  }
  if (out.length === 0) throw new CniError(Code.Internal, 'no ip address was found in the network');
  return out;
}

/** Go's net.IP.IsGlobalUnicast. */
export function isGlobalUnicast(ip: string): boolean {
  const a = parseIp(ip);
  if (!a) return false;
  const r = a.range();
  // ipaddr.js's "broadcast" is exactly 255.255.255.255, which Go excludes too.
  return !['unspecified', 'loopback', 'multicast', 'linkLocal', 'broadcast'].includes(r);
}

/** The bridge's global-unicast addresses in the kernel's order (`ip -j addr` of the bridge). */
export function nameserversOf(addrs: ReadonlyArray<{ local: string }>): string[] {
  return addrs.map((a) => canon(a.local)).filter(isGlobalUnicast);
}

/** prevResult with the bridge's addresses before its nameservers and the domain after its search list. */
export function resultWithDns(prev: Result, nameservers: readonly string[], domain: string): Result {
  const dns = { ...(prev.dns ?? {}) };
  dns.nameservers = [...nameservers, ...(dns.nameservers ?? [])];
  dns.search = [...(dns.search ?? []), domain];
  return { ...prev, dns };
}

/** The names of an attachment's lines: the container's, then its aliases; no empty name ever. */
export const namesOf = (podName: string | undefined, aliases: readonly string[]): string[] => (podName ? [podName, ...aliases] : [...aliases]);

export interface State {
  lines: HostsLine[];
  records: Records;
}

/**
 * Drop records whose lines someone else removed (the Go plugin's DEL, which knows nothing of them):
 * a record with names but none of its lines left is gone.
 */
export function prune(s: State): State {
  const records: Records = new Map();
  for (const [k, r] of s.records) {
    const alive = r.names.length === 0 || s.lines.some((l) => r.ips.includes(canon(l.ip)) && l.names[0] === r.names[0]);
    if (alive) records.set(k, r);
  }
  return { lines: s.lines, records };
}

/** ADD: this attachment's lines replace any line of the same addresses (a repeat, or a stale entry). */
export function planAdd(s: State, key: string, ips: readonly string[], names: readonly string[]): State {
  const mine = new Set(ips.map(canon));
  const lines = s.lines.filter((l) => !mine.has(canon(l.ip)));
  if (names.length > 0) for (const ip of ips) lines.push(hostsLine(ip, names));
  const records: Records = new Map();
  for (const [k, r] of s.records) {
    if (k === key) continue;
    // Another attachment that still claims one of these addresses has lost it to us.
    const rest = r.ips.filter((ip) => !mine.has(canon(ip)));
    if (rest.length > 0 || r.ips.length === 0) records.set(k, { ...r, ips: rest });
  }
  records.set(key, { ips: [...ips], names: [...names] });
  return { lines, records };
}

/**
 * DEL of one attachment: the lines with one of its addresses and its name. The addresses come from
 * prevResult and from our record (either may be missing); the name from the record, else K8S_POD_NAME.
 */
export function planDel(s: State, key: string, prevIps: readonly string[], podName: string | undefined): State {
  const rec = s.records.get(key);
  const ips = new Set([...prevIps, ...(rec?.ips ?? [])].map(canon));
  const name = rec ? rec.names[0] : podName;
  const lines = name === undefined ? s.lines : s.lines.filter((l) => !(ips.has(canon(l.ip)) && l.names[0] === name));
  const records: Records = new Map(s.records);
  records.delete(key);
  return { lines, records };
}

/** GC: every recorded attachment not in `valid` is deleted; lines nobody recorded (the Go plugin's) stay. */
export function planGc(s: State, valid: ReadonlySet<string>): State {
  let out = s;
  for (const key of s.records.keys()) if (!valid.has(key)) out = planDel(out, key, [], undefined);
  return out;
}

/** No line and no attachment left: the network's dnsmasq, directory and INPUT rule can go. */
export const isEmpty = (s: State): boolean => s.lines.length === 0 && s.records.size === 0;
