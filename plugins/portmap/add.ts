import { flushUdpPorts } from '../../shared/conntrack.ts';
import { nftApply } from '../../shared/nftables.ts';
import { wrap } from '../../shared/errors.ts';
import type { Result } from '../../shared/result.ts';
import type { Ctx } from '../../shared/skel.ts';
import { containerIps, parsePortmapConf, requirePrev, type ContainerIp, type PortmapConf } from './config.ts';
import { dnChain, planAdd as planIptables, planDel } from './iptables-plan.ts';
import { planAdd as planNft } from './nft-plan.ts';
import { transact, trySave } from './iptables.ts';
import { resolveBackend } from './backend.ts';
import { enableRouteLocalnet, routeDev } from './localnet.ts';

const udpPorts = (conf: PortmapConf) => conf.mappings.filter((m) => m.protocol.toLowerCase() === 'udp').map((m) => m.hostPort);

export async function add(ctx: Ctx): Promise<Result> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  const prev = requirePrev(conf);
  // Nothing to publish: no process at all.
  if (conf.mappings.length === 0) return prev;
  const cips = containerIps(prev, ctx.env.ifname);
  if (cips.length === 0) return prev;
  const cid = ctx.env.containerId;
  const v4 = cips.find((c) => c.family === 4);

  // Reads run side by side: the nat tables (unless nftables was asked for) and the route lookup.
  const [dumps, dev] = await Promise.all([
    conf.backend === 'nftables' ? Promise.resolve([]) : Promise.all(cips.map((c) => trySave(c.family))),
    conf.snat && v4 ? routeDev(v4.ip) : Promise.resolve(undefined),
  ]);
  const backend = await resolveBackend(conf, dumps[0]);
  if (backend === 'nftables') {
    // One nft transaction: when it fails nothing changed, so there is nothing to undo.
    await nftApply(planNft(conf, cid, cips));
  } else {
    // IPv4 and IPv6 are separate tables and transactions: apply both at once, then fail if either did.
    const rs = await Promise.allSettled(cips.map((cip, i) => forward(conf, cid, cip, dumps[i])));
    const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) {
      // Undo only the families this call committed and whose container chain it created: a chain
      // that was there before belongs to an earlier ADD of this container, which stays attached.
      const made = cips.filter((_, i) => { const r = rs[i]!; return r.status === 'fulfilled' && r.value; });
      await Promise.all(made.map((c) => transact(c.family, (d) => planDel(conf.name, cid, d)))).catch(() => undefined);
      throw bad.reason;
    }
  }
  await Promise.all(cips.map((c) => flushUdpPorts(c.family, udpPorts(conf))));
  if (dev) enableRouteLocalnet(dev);
  return prev;
}

/** Apply one family's ADD; true when it created the container's chain (it was not there before). */
/** Apply one family's ADD; true when it created the container's chain (it was not there before). */
async function forward(conf: PortmapConf, cid: string, cip: ContainerIp, dump: Awaited<ReturnType<typeof trySave>>): Promise<boolean> {
  let created = false;
  try {
    await transact(cip.family, (d) => {
      created = !d.chains.has(dnChain(conf.name, cid));
      return planIptables(conf, cid, cip, d);
    }, dump);
    return created;
  } catch (e) {
    throw wrap(`failed to set up ipv${cip.family} port forwarding`, e);
  }
}
