// CHECK (main.go cmdCheck): the VRF exists and the interface is one of its members.
import { assertNetns } from '../../shared/host/netns.ts';
import { ipBatch, line, parseLinks } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseVrfConf, requirePrev } from './config.ts';
import { vrfTable } from './plan.ts';

export async function check(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseVrfConf(ctx.raw);
  requirePrev(conf, ctx.cniVersion);
  assertNetns(env.netns);
  const links = parseLinks((await ipBatch([line('link', 'show')], { netns: env.netns, json: true, details: true })).outputs[0] ?? []);
  const vrf = links.find((l) => l.ifname === conf.vrfname);
  if (!vrf) throw new CniError(Code.Internal, 'Link not found');
  if (vrfTable(vrf) === undefined) throw new CniError(Code.Internal, `Netlink ${conf.vrfname} is not a VRF`);
  if (!links.some((l) => l.ifname === env.ifname && l.master === conf.vrfname)) {
    throw new CniError(Code.Internal, `failed to find ${env.ifname} associated to vrf ${conf.vrfname}`);
  }
}
