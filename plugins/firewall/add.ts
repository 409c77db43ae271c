import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { bridgeOf, hostAddrs, parseFirewallConf, requirePrev, type HostAddr } from './config.ts';
import { resolveBackend } from './backend.ts';
import { fwdAdd } from './firewalld.ts';
import { iptablesAdd, iptablesUndo, type Added } from './iptables.ts';
import { claimedElsewhere, removeState, writeState } from './state.ts';
import { fwdRemove } from './del.ts';

/**
 * Accept the container's traffic: per address, return traffic in and anything out (iptables) or
 * the address as a source of the zone (firewalld); for same-bridge, isolate the bridge. The
 * result is prevResult, unchanged (printed in the config's version by skel).
 */
export async function add(ctx: Ctx): Promise<Result> {
  const conf = parseFirewallConf(ctx.raw, ctx.cniVersion);
  const prev = requirePrev(conf);
  const addrs = hostAddrs(prev);
  const bridge = conf.ingressPolicy === 'same-bridge' ? bridgeOf(conf) : undefined;
  if (addrs.length === 0) return prev;
  const backend = await resolveBackend(conf);
  const { containerId: cid, ifname } = ctx.env;

  // Recorded first: a DEL after a crash anywhere below still knows what to remove.
  writeState(conf.name, {
    containerID: cid,
    ifname,
    backend,
    addrs,
    ...(backend === 'firewalld' ? { zone: conf.zone } : {}),
    ...(bridge ? { bridge } : {}),
  });
  const added: Added[] = [];
  const bound: HostAddr[] = [];
  try {
    if (backend === 'firewalld') {
      await fwdAdd(conf.zone, addrs, (a) => bound.push(a));
      // The ingress policy is iptables whatever the backend, as in the reference.
      if (bridge) await iptablesAdd(addrs, { bridge }, (a) => added.push(a));
    } else {
      await iptablesAdd(addrs, { admin: conf.adminChain, bridge }, (a) => added.push(a));
    }
  } catch (e) {
    // A failed ADD takes back what it added, and nothing another attachment still has.
    const keep = claimedElsewhere(conf.name, cid, ifname, backend);
    await iptablesUndo(added, keep).catch(() => undefined);
    await fwdRemove(conf.zone, bound, keep).catch(() => undefined);
    removeState(conf.name, cid, ifname);
    throw e;
  }
  return prev;
}
