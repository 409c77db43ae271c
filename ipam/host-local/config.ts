// host-local's configuration: the zod schemas of the keys it reads, then the reference's loading
// rules (range-set order, defaults, overlap checks, requested addresses) with its error wording.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { goObject, goStruct, parseConfig } from '../../shared/cni/schema.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { pathProblem } from '../../shared/cni/validate.ts';
import { allowsManyPerFamily } from '../../shared/cni/version.ts';
import { CidrField, ConfRouteSchema, IpField, confRoute } from '../../shared/cni/ip-fields.ts';
import type { Route } from '../../shared/cni/result.ts';
import { ipString, parseCidr, parseIp, type Ip } from '../../shared/host/addr.ts';
import { canonicalizeRangeSet, setIsV4, setsOverlap, type RangeInput, type RangeSet } from './range.ts';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

const rangeShape = {
  subnet: z.optional(CidrField),
  rangeStart: z.optional(IpField),
  rangeEnd: z.optional(IpField),
  gateway: z.optional(IpField),
};
const RangeSchema = goStruct(rangeShape);
const RangeSetsSchema = z.array(z.array(RangeSchema));

const IpamSchema = goObject({
  type: z.optional(z.string()),
  ...rangeShape,
  routes: z.optional(z.array(ConfRouteSchema)),
  dataDir: z.optional(z.string()),
  resolvConf: z.optional(z.string()),
  ranges: z.optional(RangeSetsSchema),
});

export const NetConfSchema = goObject({
  ...baseShape,
  ipam: z.optional(IpamSchema),
  runtimeConfig: z.optional(
    goObject({
      ipRanges: z.optional(RangeSetsSchema),
      ips: z.optional(z.array(z.string())),
    }),
  ),
  args: z.optional(goObject({ cni: z.optional(goObject({ ips: z.optional(z.array(IpField)) })) })),
});
export type NetConf = z.infer<typeof NetConfSchema>;

export interface IpamConfig {
  name: string;
  cniVersion: string;
  /** <dataDir>/<network name>: where leases live. */
  dir: string;
  dataDir: string;
  ranges: RangeSet[];
  routes: Route[];
  resolvConf?: string;
  /** Requested addresses: CNI_ARGS IP, then args.cni.ips, then runtimeConfig.ips. */
  requested: Ip[];
  conf: NetConf;
}

const err7 = (msg: string) => new CniError(Code.InvalidNetworkConfig, msg);

/** The parsed range sets in the reference's order: runtimeConfig.ipRanges, old-style top level, ranges. */
export function collectRangeSets(conf: NetConf): RangeInput[][] {
  const ipam = conf.ipam!;
  const sets: RangeInput[][] = [];
  sets.push(...(conf.runtimeConfig?.ipRanges ?? []));
  // The old single-range keys only count when a subnet is given.
  if (ipam.subnet) sets.push([{ subnet: ipam.subnet, rangeStart: ipam.rangeStart, rangeEnd: ipam.rangeEnd, gateway: ipam.gateway }]);
  sets.push(...(ipam.ranges ?? []));
  return sets;
}

/** Validate every range set and the sets against each other (reference order of checks). */
export function buildRangeSets(inputs: RangeInput[][], cniVersion: string): RangeSet[] {
  if (inputs.length === 0) throw err7('no IP ranges specified');
  const sets = inputs.map((s, i) => {
    try {
      return canonicalizeRangeSet(s);
    } catch (e) {
      throw err7(`invalid range set ${i}: ${(e as Error).message}`);
    }
  });
  const v4 = sets.filter(setIsV4).length;
  if ((v4 > 1 || sets.length - v4 > 1) && !allowsManyPerFamily(cniVersion)) {
    throw err7(`CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (setsOverlap(sets[i]!, sets[j]!)) throw err7(`range set ${i} overlaps with ${j}`);
    }
  }
  return sets;
}

/** Requested addresses in the reference's order; runtimeConfig.ips may carry a prefix (ignored). */
export function requestedIps(conf: NetConf, cniArgs: string): Ip[] {
  const out: Ip[] = [];
  const args = parseCniArgs(cniArgs, ['IP']);
  const ipArg = args.get('IP');
  if (ipArg !== undefined && ipArg !== '') {
    const ip = parseIp(ipArg);
    if (!ip) throw new CniError(Code.InvalidEnvironmentVariables, `ARGS: error parsing value of pair "IP=${ipArg}": invalid IP address ${ipArg}`);
    out.push(ip);
  }
  for (const ip of conf.args?.cni?.ips ?? []) if (ip) out.push(ip);
  for (const s of conf.runtimeConfig?.ips ?? []) {
    const ip = parseCidr(s)?.ip ?? parseIp(s);
    if (!ip) throw err7(`cannot understand ip: ${s}`);
    out.push(ip);
  }
  // A mapped IPv6 CIDR address (kept as v6 by parseCidr) is requested as its IPv4 form.
  return out.map((ip) => parseIp(ipString(ip)) ?? ip);
}

/** Load the whole configuration of one call. `cniArgs` is CNI_ARGS (checked even on DEL, as upstream). */
export function loadConfig(raw: unknown, cniVersion: string, cniArgs: string): IpamConfig {
  const conf = parseConfig(NetConfSchema, raw, 'invalid network configuration');
  if (!conf.ipam) throw err7("IPAM config missing 'ipam' key");
  const requested = requestedIps(conf, cniArgs);
  const ranges = buildRangeSets(collectRangeSets(conf), cniVersion);
  const dataDir = conf.ipam.dataDir || DEFAULT_DATA_DIR;
  const problem = pathProblem(dataDir);
  if (problem) throw err7(`ipam.dataDir: ${problem}`);
  const dir = `${dataDir.replace(/\/+$/, '')}/${conf.name}`;
  const out: IpamConfig = {
    name: conf.name,
    cniVersion,
    dir,
    dataDir,
    ranges,
    routes: (conf.ipam.routes ?? []).map(confRoute),
    requested,
    conf,
  };
  if (conf.ipam.resolvConf) out.resolvConf = conf.ipam.resolvConf;
  return out;
}
