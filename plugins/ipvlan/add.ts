import type { Result } from '../../shared/cni/result.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { withUndo } from '../../shared/cni/undo.ts';
import { attachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { checkMtu, resolveMaster } from '../../shared/host/master.ts';
import { addressSource, loadConf } from './config.ts';
import { ipvlanSpec } from './plan.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.cniVersion);
  const source = addressSource(conf);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  const master = await resolveMaster({ master: conf.master, netns, inContainer: conf.linkInContainer }, conf.mtu > 0);
  // Unlike the reference (the kernel's "invalid argument"), an MTU above the master's is a config error.
  if (master.mtu !== undefined) checkMtu(conf.mtu, master.mtu);
  return withUndo((undo) =>
    attachLink(
      {
        link: ipvlanSpec(conf, netns, ifname, master.name),
        addresses: (u) => (source === 'ipam' ? ipamAdd(ctx, conf.ipamType, u) : Promise.resolve(conf.prev)),
        dns: conf.raw.dns,
      },
      undo,
    ),
  );
}
