// static's configuration: the keys it reads, then the reference's rules for where the addresses
// come from (containernetworking/plugins `plugins/ipam/static/main.go` LoadIPAMConfig), with one
// addition: an address without a prefix length borrows the configured address's (podman #17955).
import * as z from 'zod/mini';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { baseShape } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { ConfRouteSchema, IpField, confRoute } from '../../shared/cni/ip-fields.ts';
import { DnsSchema, type Dns, type IpConfig, type Route } from '../../shared/cni/result.ts';
import { goObject, goStruct, parseConfig } from '../../shared/cni/schema.ts';
import { allowsManyPerFamily } from '../../shared/cni/version.ts';
import { cidrString, inCidr, ipString, isV4, parseCidr, parseIp, type Cidr, type Ip } from '../../shared/host/addr.ts';

const AddressSchema = goStruct({ address: z.optional(z.string()), gateway: z.optional(IpField) });

const IpsSchema = z.optional(z.array(z.string()));

export const NetConfSchema = goObject({
  ...baseShape,
  ipam: z.optional(
    goObject({
      type: z.optional(z.string()),
      routes: z.optional(z.array(ConfRouteSchema)),
      addresses: z.optional(z.array(AddressSchema)),
      dns: z.optional(DnsSchema),
    }),
  ),
  runtimeConfig: z.optional(goObject({ ips: IpsSchema })),
  args: z.optional(goObject({ cni: z.optional(goObject({ ips: IpsSchema })) })),
});
export type NetConf = z.infer<typeof NetConfSchema>;

export interface StaticAddress {
  /** The address with its prefix length (host bits kept). */
  cidr: Cidr;
  gateway?: Ip;
  /** Where it came from, for messages: "ipam.addresses[0]", "CNI_ARGS IP", "runtimeConfig.ips[1]"… */
  field: string;
}

export interface StaticConfig {
  cniVersion: string;
  addresses: StaticAddress[];
  routes: Route[];
  dns?: Dns;
  conf: NetConf;
}

const famName = (ip: Ip) => (isV4(ip) ? 'IPv4' : 'IPv6');

/**
 * An address from CNI_ARGS, args or runtimeConfig: CIDR notation as the reference requires, or a
 * bare address that takes the prefix length of the first configured address of its family.
 */
export function addressInput(s: string, field: string, configured: readonly Cidr[], refWording: string, code: number): Cidr {
  const c = parseCidr(s);
  if (c) return c;
  const ip = parseIp(s);
  if (!ip) throw new CniError(code, `${field}: ${refWording}, got: '${s}'`);
  const like = configured.find((k) => isV4(k.ip) === isV4(ip));
  if (!like) {
    throw new CniError(code, `${field}: '${s}' has no prefix length, and ipam.addresses has no ${famName(ip)} address to take one from`);
  }
  return { ip, prefix: like.prefix };
}

/** The configured addresses that parse: where a bare address takes its prefix length from. */
function configuredPrefixes(conf: NetConf): Cidr[] {
  return (conf.ipam?.addresses ?? []).flatMap((a) => {
    const c = parseCidr(a.address ?? '');
    return c ? [c] : [];
  });
}

/** The addresses in the reference's order of precedence. */
export function resolveAddresses(conf: NetConf, cniArgs: string): StaticAddress[] {
  const configured = configuredPrefixes(conf);
  // Config addresses are only checked once they are known to be used: args and runtimeConfig
  // replace them, and the reference never looks at replaced ones.
  let list: Array<StaticAddress | { raw: string; gateway?: Ip; field: string }> = (conf.ipam?.addresses ?? []).map((a, i) => ({
    raw: a.address ?? '',
    gateway: a.gateway,
    field: `ipam.addresses[${i}]`,
  }));
  if (cniArgs !== '') {
    const env = parseCniArgs(cniArgs, ['IP', 'GATEWAY']);
    const ipArg = env.get('IP') ?? '';
    const fromArgs: StaticAddress[] = [];
    if (ipArg !== '') {
      for (const item of ipArg.split(',')) {
        const s = item.trim();
        const cidr = addressInput(s, 'CNI_ARGS IP', configured, "the 'ip' field is expected to be in CIDR notation", Code.InvalidEnvironmentVariables);
        fromArgs.push({ cidr, field: 'CNI_ARGS IP' });
      }
    }
    list = [...list, ...fromArgs];
    const gwArg = env.get('GATEWAY') ?? '';
    if (gwArg !== '') {
      for (const item of gwArg.split(',')) {
        const gw = parseIp(item.trim());
        if (!gw) throw new CniError(Code.InvalidEnvironmentVariables, `CNI_ARGS GATEWAY: invalid gateway address: ${item}`);
        // As the reference: only the addresses from CNI_ARGS IP are candidates (the configured
        // ones are not parsed yet when it assigns gateways), each one that contains the gateway.
        for (const a of fromArgs) if (inCidr(gw, a.cidr)) a.gateway = gw;
      }
    }
  }
  const replace = (ips: string[] | undefined, field: string) => {
    if (!ips?.length) return;
    list = ips.map((s, i) => ({
      cidr: addressInput(s, `${field}[${i}]`, configured, "an entry in the 'ips' field is NOT in CIDR notation", Code.InvalidNetworkConfig),
      field: `${field}[${i}]`,
    }));
  };
  replace(conf.args?.cni?.ips, 'args.cni.ips');
  replace(conf.runtimeConfig?.ips, 'runtimeConfig.ips');

  return list.map((a) => {
    if ('cidr' in a) return a;
    const cidr = parseCidr(a.raw);
    if (!cidr) {
      throw new CniError(Code.InvalidNetworkConfig, `${a.field}.address: the 'address' field is expected to be in CIDR notation, got: '${a.raw}'`);
    }
    return { cidr, field: a.field, ...(a.gateway ? { gateway: a.gateway } : {}) };
  });
}

/** Load and validate the whole configuration of one call. */
export function loadConfig(raw: unknown, cniVersion: string, cniArgs: string): StaticConfig {
  const conf = parseConfig(NetConfSchema, raw, 'invalid network configuration');
  if (!conf.ipam) throw new CniError(Code.InvalidNetworkConfig, "IPAM config missing 'ipam' key");
  const addresses = resolveAddresses(conf, cniArgs);
  for (const a of addresses) {
    if (a.gateway && isV4(a.gateway) !== isV4(a.cidr.ip)) {
      throw new CniError(
        Code.InvalidNetworkConfig,
        `${a.field}.gateway: ${ipString(a.gateway)} is ${famName(a.gateway)} but the address ${cidrString(a.cidr)} is ${famName(a.cidr.ip)}`,
      );
    }
  }
  const v4 = addresses.filter((a) => isV4(a.cidr.ip)).length;
  if ((v4 > 1 || addresses.length - v4 > 1) && !allowsManyPerFamily(cniVersion)) {
    throw new CniError(Code.InvalidNetworkConfig, `ipam.addresses: CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  const out: StaticConfig = { cniVersion, addresses, routes: (conf.ipam.routes ?? []).map(confRoute), conf };
  if (conf.ipam.dns) out.dns = conf.ipam.dns;
  return out;
}

/** The addresses as result entries. */
export const resultIps = (c: StaticConfig): IpConfig[] =>
  c.addresses.map((a) => ({ address: cidrString(a.cidr), ...(a.gateway ? { gateway: ipString(a.gateway) } : {}) }));
