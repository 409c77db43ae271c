import type { Result } from '../../shared/cni/result.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { withUndo } from '../../shared/cni/undo.ts';
import { attachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { checkMtu, resolveMaster } from '../../shared/host/master.ts';
import { loadConf } from './config.ts';
import { macvlanSpec } from './plan.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  // The master is looked up only when something needs it first (the default route's interface, the
  // MTU check); otherwise creating the link finds out, with an error that names it.
  const master = await resolveMaster({ master: conf.master, netns, inContainer: conf.linkInContainer }, conf.mtu > 0);
  if (master.mtu !== undefined) checkMtu(conf.mtu, master.mtu);
  // The link comes first, as in the reference, so a bad master never takes a lease.
  return withUndo((undo) =>
    attachLink(
      {
        link: macvlanSpec(conf, netns, ifname, master.name),
        addresses: (u) => (conf.ipamType !== '' ? ipamAdd(ctx, conf.ipamType, u) : Promise.resolve(undefined)),
        dns: conf.raw.dns,
      },
      undo,
    ),
  );
}
