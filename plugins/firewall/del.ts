import type { Ctx } from '../../shared/cni/skel.ts';
import { hostAddrs, parseFirewallConf, type FirewallBackend, type HostAddr } from './config.ts';
import { resolveBackend } from './backend.ts';
import { fwdDel } from './firewalld.ts';
import { iptablesDel } from './iptables.ts';
import { claimedElsewhere, readState, removeState, type AttachmentState } from './state.ts';

/** Remove a zone's sources, except addresses another attachment still has there. */
export const fwdRemove = (zone: string, addrs: readonly HostAddr[], keep: ReadonlySet<string>) =>
  fwdDel(
    zone,
    addrs.filter((a) => !keep.has(a.cidr)),
  );

/**
 * Remove the container's rules: the addresses of prevResult and those its ADD recorded, so that a
 * DEL without prevResult, or after the namespace is gone, still finds them. The per-bridge
 * isolation rules stay (other containers may be on the bridge), as in the reference.
 */
export async function del(ctx: Ctx): Promise<void> {
  const conf = parseFirewallConf(ctx.raw, ctx.cniVersion);
  const { containerId: cid, ifname } = ctx.env;
  const st = readState(conf.name, cid, ifname);
  const fromPrev = hostAddrs(conf.prevResult);
  if (fromPrev.length === 0 && !st) {
    // Nothing known: no process started; only what a killed ADD may have left in the directory.
    removeState(conf.name, cid, ifname);
    return;
  }
  const backend = conf.backend ?? st?.backend ?? (await resolveBackend(conf));
  await teardown(conf.name, cid, ifname, backend, fromPrev, conf.zone, st);
}

/** Remove one attachment's addresses from its backend(s), then its record. */
export async function teardown(
  net: string,
  cid: string,
  ifname: string,
  backend: FirewallBackend,
  extra: readonly HostAddr[],
  zone: string,
  st: AttachmentState | undefined,
): Promise<void> {
  const jobs: Array<Promise<unknown>> = [];
  const byBackend = new Map<FirewallBackend, HostAddr[]>([[backend, [...extra]]]);
  if (st) byBackend.set(st.backend, [...(byBackend.get(st.backend) ?? []), ...st.addrs]);
  for (const [b, list] of byBackend) {
    const addrs = list.filter((a, i) => list.findIndex((x) => x.cidr === a.cidr) === i);
    const keep = claimedElsewhere(net, cid, ifname, b);
    if (b === 'iptables') jobs.push(iptablesDel(addrs, keep));
    else {
      jobs.push(fwdRemove(zone, addrs, keep));
      if (st?.zone && st.zone !== zone) jobs.push(fwdRemove(st.zone, addrs, keep));
    }
  }
  await Promise.all(jobs);
  removeState(net, cid, ifname);
}
