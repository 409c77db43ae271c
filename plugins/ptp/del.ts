import { deleteContainerLink } from '../../shared/host/container-link.ts';
import { linkAndIpamDel } from '../../shared/cni/ipam.ts';
import { knownFromPrev, masqCleanupFor } from '../../shared/host/ipmasq.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/**
 * DEL: the lease, the pair (deleting the container end takes the host end, its address and its
 * routes with it) and the masquerade rules, side by side. The rules are found by name (iptables
 * chain hash of net+id, nft comment prefix), narrowed by prevResult: unlike the reference, which
 * learns the addresses from the container's interface, they go even when the namespace is gone.
 */
export async function del(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname, containerId } = ctx.env;
  const steps = linkAndIpamDel(ctx, conf.ipamType, () => deleteContainerLink(netns, ifname));
  if (conf.ipMasq) {
    // Both backends unless one is configured: ADD may have picked either.
    steps.push(masqCleanupFor(conf.ipMasqBackend).teardown(conf.name, ifname, containerId, knownFromPrev(conf.raw, ctx.cniVersion)));
  }
  await settleAll(steps);
}
