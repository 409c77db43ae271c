import { assertNetns } from '../../shared/host/netns.ts';
import { attachNewLink } from '../../shared/cni/attach.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { dummyLinkSpec } from './plan.ts';

/**
 * Nothing of a dummy is on the host, so IPAM runs while the link is made; a failure of either
 * takes back both (upstream deletes the link, but leaves the lease when ConfigureIface fails).
 */
export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  return attachNewLink(ctx, dummyLinkSpec(netns, ifname), conf.ipamType, conf.raw.dns, { ipamAlongside: true });
}
