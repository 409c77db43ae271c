// Results of every spec version: one internal form (1.1.0), parsed from and printed in any version
// through the conversions of containernetworking/cni `pkg/types/{020,040,100}/types.go`, including the conversions that must fail.
import * as z from 'zod/mini';
import { isV4, parseCidr } from '../host/addr.ts';
import { CniError, Code } from './errors.ts';
import { goObject, goStruct, int, describeIssues } from './schema.ts';
import { resultFamily } from './version.ts';

const uint = int(0);

export const DnsSchema = goStruct({
  nameservers: z.optional(z.array(z.string())),
  domain: z.optional(z.string()),
  search: z.optional(z.array(z.string())),
  options: z.optional(z.array(z.string())),
});
export type Dns = z.infer<typeof DnsSchema>;

/** The config sets DNS (any field): then it replaces what the IPAM plugin returned (bridge, ptp). */
export const dnsSet = (d: Dns | undefined): d is Dns => !!d && !!(d.nameservers?.length || d.domain || d.search?.length || d.options?.length);

export const InterfaceSchema = goStruct({
  name: z.string(),
  mac: z.optional(z.string()),
  mtu: z.optional(uint),
  sandbox: z.optional(z.string()),
  socketPath: z.optional(z.string()),
  pciID: z.optional(z.string()),
});
export type Interface = z.infer<typeof InterfaceSchema>;

export const RouteSchema = goStruct({
  dst: z.string(),
  gw: z.optional(z.string()),
  mtu: z.optional(uint),
  advmss: z.optional(uint),
  priority: z.optional(uint),
  table: z.optional(uint),
  scope: z.optional(uint),
});
export type Route = z.infer<typeof RouteSchema>;

export const IpConfigSchema = goStruct({
  version: z.optional(z.string()), // 0.3.x/0.4.0 only
  interface: z.optional(uint),
  address: z.string(),
  gateway: z.optional(z.string()),
});
export type IpConfig = Omit<z.infer<typeof IpConfigSchema>, 'version'>;

/** The internal (current, 1.1.0) form of a success result. */
export interface Result {
  cniVersion?: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

const Result1Schema = goObject({
  cniVersion: z.optional(z.string()),
  interfaces: z.optional(z.array(InterfaceSchema)),
  ips: z.optional(z.array(IpConfigSchema)),
  routes: z.optional(z.array(RouteSchema)),
  dns: z.optional(DnsSchema),
});

const LegacyIpSchema = goStruct({
  ip: z.string(),
  gateway: z.optional(z.string()),
  routes: z.optional(z.array(goStruct({ dst: z.string(), gw: z.optional(z.string()) }))),
});
const Result02Schema = goObject({
  cniVersion: z.optional(z.string()),
  ip4: z.optional(LegacyIpSchema),
  ip6: z.optional(LegacyIpSchema),
  dns: z.optional(DnsSchema),
});

function checkCidr(s: string, field: string): void {
  // As Go's ParseCIDR: no "1.2.3/24" or octal "010.0.0.1/8", which ipaddr.js reads as other addresses.
  if (!parseCidr(s)) throw new CniError(Code.DecodingFailure, `${field}: "${s}" is not a valid CIDR address`);
}

/**
 * Parse a result JSON (an IPAM result, or a prevResult) labelled with `version` (its own
 * `cniVersion`, or the config's when missing) into the internal form.
 */
export function parseResult(json: unknown, configVersion: string): Result {
  const obj = json as Record<string, unknown> | null;
  const labelled = obj && typeof obj === 'object' && typeof obj.cniVersion === 'string' ? obj.cniVersion : configVersion;
  const fam = resultFamily(labelled);
  if (!fam) throw new CniError(Code.IncompatibleCniVersion, `unsupported CNI result version "${labelled}"`);
  if (fam === '0.2') {
    const r = Result02Schema.safeParse(json);
    if (!r.success) throw new CniError(Code.DecodingFailure, `invalid result: ${describeIssues(r.error)}`);
    const out: Result = { cniVersion: labelled, ips: [], routes: [] };
    for (const ipc of [r.data.ip4, r.data.ip6]) {
      if (!ipc) continue;
      checkCidr(ipc.ip, 'ip');
      out.ips!.push({ address: ipc.ip, ...(ipc.gateway ? { gateway: ipc.gateway } : {}) });
      for (const rt of ipc.routes ?? []) out.routes!.push({ dst: rt.dst, ...(rt.gw ? { gw: rt.gw } : {}) });
    }
    if (r.data.dns) out.dns = r.data.dns;
    return out;
  }
  const r = Result1Schema.safeParse(json);
  if (!r.success) throw new CniError(Code.DecodingFailure, `invalid result: ${describeIssues(r.error)}`);
  const d = r.data;
  const out: Result = { cniVersion: labelled };
  if (d.interfaces) out.interfaces = d.interfaces;
  if (d.ips) {
    out.ips = d.ips.map(({ version: _v, ...rest }) => {
      checkCidr(rest.address, 'ips.address');
      return rest;
    });
  }
  if (d.routes) out.routes = d.routes;
  if (d.dns) out.dns = d.dns;
  return out;
}

// --- printing --------------------------------------------------------------------------------

function dnsOut(d: Dns | undefined): Record<string, unknown> {
  // Go always prints "dns": {} (a struct with omitempty is never omitted); empty lists are dropped.
  const o: Record<string, unknown> = {};
  if (d?.nameservers?.length) o.nameservers = d.nameservers;
  if (d?.domain) o.domain = d.domain;
  if (d?.search?.length) o.search = d.search;
  if (d?.options?.length) o.options = d.options;
  return o;
}

function ifaceOut(i: Interface, v1: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { name: i.name };
  if (i.mac) o.mac = i.mac;
  if (v1 && i.mtu) o.mtu = i.mtu;
  if (i.sandbox) o.sandbox = i.sandbox;
  if (v1 && i.socketPath) o.socketPath = i.socketPath;
  if (v1 && i.pciID) o.pciID = i.pciID;
  return o;
}

/** A route as Go marshals types.Route: field order, zero MTU/AdvMSS/Priority left out. */
export function routeOut(r: Route): Record<string, unknown> {
  const o: Record<string, unknown> = { dst: r.dst };
  if (r.gw) o.gw = r.gw;
  if (r.mtu) o.mtu = r.mtu;
  if (r.advmss) o.advmss = r.advmss;
  if (r.priority) o.priority = r.priority;
  if (r.table !== undefined) o.table = r.table;
  if (r.scope !== undefined) o.scope = r.scope;
  return o;
}

/** The result as JSON in `version`, with Go's key order and omissions. Throws where the spec's conversion fails. */
export function formatResult(res: Result, version: string): Record<string, unknown> {
  const fam = resultFamily(version);
  if (!fam) throw new CniError(Code.IncompatibleCniVersion, `no converter for CNI result version ${res.cniVersion ?? ''} to ${version}`);
  const ips = res.ips ?? [];
  if (fam === '0.2') {
    // Only the first IPv4 and first IPv6 survive; routes go with the family of their dst.
    // An unversioned config is 0.1.0, and its result says so (as the Go plugins print it).
    const out: Record<string, unknown> = { cniVersion: version === '' ? '0.1.0' : version };
    const v4 = ips.find((i) => isV4(i.address));
    const v6 = ips.find((i) => !isV4(i.address));
    if (!v4 && !v6) throw new CniError(Code.Internal, 'cannot convert: no valid IP addresses');
    for (const [key, ip, want4] of [
      ['ip4', v4, true],
      ['ip6', v6, false],
    ] as const) {
      if (!ip) continue;
      const o: Record<string, unknown> = { ip: ip.address };
      if (ip.gateway) o.gateway = ip.gateway;
      const routes = (res.routes ?? []).filter((r) => isV4(r.dst) === want4).map((r) => (r.gw ? { dst: r.dst, gw: r.gw } : { dst: r.dst }));
      if (routes.length) o.routes = routes;
      out[key] = o;
    }
    out.dns = dnsOut(res.dns);
    return out;
  }
  const v1 = fam === '1.x';
  const out: Record<string, unknown> = { cniVersion: version };
  if (res.interfaces?.length) out.interfaces = res.interfaces.map((i) => ifaceOut(i, v1));
  if (ips.length) {
    out.ips = ips.map((ip) => {
      const o: Record<string, unknown> = v1 ? {} : { version: isV4(ip.address) ? '4' : '6' };
      if (ip.interface !== undefined) o.interface = ip.interface;
      o.address = ip.address;
      if (ip.gateway) o.gateway = ip.gateway;
      return o;
    });
  }
  if (res.routes?.length) out.routes = res.routes.map(routeOut);
  out.dns = dnsOut(res.dns);
  return out;
}

export { printJson } from './errors.ts';
