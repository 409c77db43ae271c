import { deleteContainerLink } from '../../shared/host/container-link.ts';
import { linkAndIpamDel } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { isV4, type Family } from '../../shared/host/addr.ts';
import { masqAddr, masqCleanupFor, type MasqAddr } from '../../shared/host/ipmasq.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { spoofTeardown } from './macspoof.ts';

export async function del(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname, containerId } = ctx.env;
  const l3 = conf.ipamType !== '';
  // Masquerade rules are found by name (chain hash / comment prefix), not through the container's
  // addresses, so they go even when the namespace is gone. prevResult narrows the families.
  let families: Family[] = [4, 6];
  let known: MasqAddr[] = [];
  try {
    const prev = prevResultOf(conf.raw, ctx.cniVersion);
    const ips = prev?.ips ?? [];
    if (ips.length) {
      families = [...new Set(ips.map((i) => (isV4(i.address) ? 4 : 6) as Family))];
      known = ips.map((i) => masqAddr(i.address));
    }
  } catch {
    // an unreadable prevResult only costs us the shortcut
  }
  // Independent steps run side by side: each is its own process, and DEL latency is their maximum.
  // The container end goes (its peer with it); a missing link or namespace is not an error.
  const steps = linkAndIpamDel(ctx, conf.ipamType, () => deleteContainerLink(netns, ifname));
  if (l3 && conf.ipMasq) {
    // Both backends unless one is configured: ADD may have picked either.
    steps.push(masqCleanupFor(conf.ipMasqBackend).teardown(conf.name, ifname, containerId, { families, addrs: known }));
  }
  // Unlike the reference (which only logs it), a failed teardown fails DEL: the runtime retries,
  // and the container's drop rules do not outlive it. Without nft there is nothing to remove.
  if (conf.macspoofchk) steps.push(spoofTeardown(containerId, ifname));
  await settleAll(steps);
}
