import type { Ctx } from '../../shared/cni/skel.ts';
import { bridgeOf, hostAddrs, parseFirewallConf, requirePrev } from './config.ts';
import { resolveBackend } from './backend.ts';
import { fwdCheck } from './firewalld.ts';
import { iptablesCheck } from './iptables.ts';

/** The container's rules (or zone sources) and, for same-bridge, the bridge's isolation are in place. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = parseFirewallConf(ctx.raw, ctx.cniVersion);
  const addrs = hostAddrs(requirePrev(conf));
  const bridge = conf.ingressPolicy === 'same-bridge' ? bridgeOf(conf) : undefined;
  if (addrs.length === 0) return;
  if ((await resolveBackend(conf)) === 'firewalld') {
    await fwdCheck(conf.zone, addrs);
    if (bridge) await iptablesCheck(addrs, { bridge });
    return;
  }
  await iptablesCheck(addrs, { admin: conf.adminChain, bridge });
}
