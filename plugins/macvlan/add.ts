import type { Result } from '../../shared/cni/result.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { withUndo } from '../../shared/cni/undo.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { createContainerLink } from '../../shared/host/container-link.ts';
import { configureIface } from '../../shared/host/iface.ts';
import { resolveMaster } from '../../shared/host/master.ts';
import { isV4 } from '../../shared/host/addr.ts';
import { checkMtu, loadConf } from './config.ts';
import { addResult, macvlanSpec } from './plan.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  // The master is looked up only when something needs it first (the default route's interface, the
  // MTU check); otherwise creating the link finds out, with an error that names it.
  const master = await resolveMaster({ master: conf.master, netns, inContainer: conf.linkInContainer }, conf.mtu > 0);
  if (master.mtu !== undefined) checkMtu(conf.mtu, master.mtu);
  // A failed ADD leaves nothing behind: the link and the lease are each undone once made. The link
  // comes first, as in the reference, so a bad master never takes a lease.
  return withUndo(async (undo) => {
    const link = await createContainerLink(macvlanSpec(conf, netns, ifname, master.name), undo);
    const ipam = conf.ipamType !== '' ? await ipamAdd(ctx, conf.ipamType, undo) : undefined;
    const ips = (ipam?.ips ?? []).map((i) => ({ ...i, interface: 0 }));
    // As the reference's ConfigureIface: routes wait for DAD when there is an IPv6 gateway.
    const settle = ips.some((i) => i.gateway !== undefined && !isV4(i.gateway));
    const now = await configureIface(netns, { ifname, index: 0, ips, routes: ipam?.routes ?? [] }, { link, notify: ipam !== undefined, settle });
    if (!now?.address) throw new CniError(Code.Internal, `failed to refetch macvlan "${ifname}"`);
    return addResult(conf, { ifname, mac: now.address, netns }, ipam);
  });
}
