import { assertNetns } from '../../shared/host/netns.ts';
import { attachNewLink } from '../../shared/cni/attach.ts';
import { lookupParent } from '../../shared/host/container-link.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { mtuProblem, vlanLinkSpec } from './plan.ts';

/**
 * The VLAN link first, as upstream: a missing master or a VLAN ID in use fails before IPAM hands
 * out anything. Unlike upstream, a failed IPAM or configuration takes the link away again.
 */
export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  const spec = vlanLinkSpec(conf, netns, ifname);
  // Only a configured MTU needs the master looked at first; otherwise creating the link is the
  // lookup (a missing master fails it, named).
  if (conf.mtu > 0) {
    const bad = mtuProblem(conf, (await lookupParent(spec)).mtu);
    if (bad) throw bad;
  }
  return attachNewLink(ctx, spec, conf.ipamType, conf.raw.dns);
}
