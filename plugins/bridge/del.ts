import { ipBatch, line } from '../../shared/host/iproute2.ts';
import { netnsState } from '../../shared/host/netns.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { isV4, type Family } from '../../shared/host/addr.ts';
import { masqAddr, masqCleanupFor, type MasqAddr } from '../../shared/host/ipmasq.ts';
import { CniError, Code, settleAll } from '../../shared/cni/errors.ts';
import { saysNotFound } from '../../shared/host/exec.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { spoofTeardown } from './macspoof.ts';

/** Delete the container end (the peer goes with it); a missing link or namespace is not an error. */
async function deleteLink(netns: string, ifname: string): Promise<void> {
  if (netns === '' || netnsState(netns) !== 'ok') return;
  const r = await ipBatch([line('link', 'del', 'dev', ifname)], { netns, allowFail: true });
  if (r.exitCode !== 0 && !saysNotFound(r)) {
    throw new CniError(Code.Internal, `failed to delete "${ifname}": ${r.stderr.trim().split('\n')[0]}`);
  }
}

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
  const steps: Array<Promise<unknown>> = [deleteLink(netns, ifname)];
  if (l3) steps.push(delegate(ctx, conf.ipamType, 'DEL'));
  if (l3 && conf.ipMasq) {
    // Both backends unless one is configured: ADD may have picked either.
    steps.push(masqCleanupFor(conf.ipMasqBackend).teardown(conf.name, ifname, containerId, { families, addrs: known }));
  }
  // Unlike the reference (which only logs it), a failed teardown fails DEL: the runtime retries,
  // and the container's drop rules do not outlive it. Without nft there is nothing to remove.
  if (conf.macspoofchk) steps.push(spoofTeardown(containerId, ifname));
  await settleAll(steps);
}
