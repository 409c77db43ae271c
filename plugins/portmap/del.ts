import { flushUdpPorts } from '../../shared/conntrack.ts';
import { CniError, Code } from '../../shared/errors.ts';
import type { Ctx } from '../../shared/skel.ts';
import { parsePortmapConf, type Backend, type Family, type PortmapConf } from './config.ts';
import { dnChain, planDel, udpPortsOf } from './iptables-plan.ts';
import { ruleComment, udpDport } from './nft-plan.ts';
import { transact, trySave } from './iptables.ts';
import { deleteRules } from './nftables.ts';
import { resolveBackend } from './backend.ts';

/**
 * Remove everything of this container, found by its hash-named chain (iptables) or comment
 * (nftables): portMappings and the namespace are not needed. Returns nothing to do as success.
 */
export async function del(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  await teardown(conf, ctx.env.containerId);
}

export async function teardown(conf: PortmapConf, cid: string, backend?: Backend): Promise<void> {
  const explicitUdp = conf.mappings.filter((m) => m.protocol.toLowerCase() === 'udp').map((m) => m.hostPort);
  if ((backend ?? conf.backend) === 'nftables') return teardownNft(conf, cid, explicitUdp);
  const families: Family[] = [4, 6];
  const dumps = await Promise.all(families.map((f) => trySave(f)));
  if (!dumps.some((d) => d !== undefined)) {
    if ((await resolveBackend(conf, undefined)) === 'nftables') return teardownNft(conf, cid, explicitUdp);
    throw new CniError(Code.Internal, 'neither iptables nor ip6tables is usable');
  }
  const chain = dnChain(conf.name, cid);
  await Promise.all(
    families.map(async (f, i) => {
      const dump = dumps[i];
      if (!dump || planDel(conf.name, cid, dump).length === 0) return;
      const udp = conf.mappings.length ? explicitUdp : udpPortsOf(chain, dump);
      await transact(f, (d) => planDel(conf.name, cid, d), dump);
      if (udp.length) await flushUdpPorts(f, udp);
    }),
  );
}

async function teardownNft(conf: PortmapConf, cid: string, explicitUdp: number[]): Promise<void> {
  const comment = ruleComment(conf.name, cid);
  const removed = await deleteRules((rules) => rules.filter((r) => r.comment === comment));
  for (const f of [4, 6] as const) {
    const mine = removed.filter((r) => r.family === (f === 4 ? 'ip' : 'ip6'));
    if (!mine.length) continue;
    const udp = conf.mappings.length ? explicitUdp : mine.map(udpDport).filter((p) => p !== undefined);
    if (udp.length) await flushUdpPorts(f, udp);
  }
}
