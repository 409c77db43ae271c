// CHECK: every address this config gives is in prevResult, with the configured gateway.
// The reference (`cmdCheck`) only compares gateways of the addresses it finds; a missing
// address passes there and fails here.
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { ipString, parseCidr, parseIp, same } from '../../shared/host/addr.ts';
import { loadConfig, type StaticConfig } from './config.ts';

/** The first mismatch between the config and prevResult, as an error message (pure, for tests). */
export function mismatch(conf: StaticConfig, prev: Result, ifname: string): string | undefined {
  const prevIps = (prev.ips ?? []).map((p) => ({ ip: parseCidr(p.address)?.ip, gw: p.gateway ? parseIp(p.gateway) : undefined }));
  for (const a of conf.addresses) {
    const want = parseIp(ipString(a.cidr.ip));
    const found = prevIps.find((p) => p.ip && same(parseIp(ipString(p.ip)), want));
    if (!found) return `static: address ${ipString(a.cidr.ip)} (${a.field}) is not in prevResult of interface ${ifname}`;
    if (a.gateway && !same(a.gateway, found.gw)) return `static: Failed to match addr ${ipString(a.cidr.ip)} on interface ${ifname}`;
  }
  return undefined;
}

export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, ctx.env.args);
  const prev = prevResultOf(conf.conf, ctx.cniVersion);
  if (!prev) throw new CniError(Code.InvalidNetworkConfig, 'Required prevResult missing');
  const m = mismatch(conf, prev, ctx.env.ifname);
  if (m) throw new CniError(Code.Internal, m);
}
