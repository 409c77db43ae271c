// The nftables port mapper: each change is one `nft -f` transaction; reading is one `nft -j list ruleset`.
import { flushUdpPorts } from '../../shared/host/conntrack.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { nftApply, nftListJson, nftUsable } from '../../shared/host/nftables.ts';
import { checkProblem, deleteLine, gcRules, planAdd, portmapRules, ruleComment, udpDport, type NftRule } from './nft-plan.ts';
import { udpPorts, type PortMapper } from './mapper.ts';

export async function listPortmapRules(): Promise<NftRule[]> {
  return portmapRules((await nftListJson(['ruleset'])) ?? []);
}

/** Delete the rules `pick` selects; re-read and retry if a concurrent change removed one first. */
export async function deleteRules(pick: (rules: NftRule[]) => NftRule[], first?: NftRule[]): Promise<NftRule[]> {
  let rules = first ?? (await listPortmapRules());
  for (let attempt = 1; ; attempt++) {
    const doomed = pick(rules);
    if (doomed.length === 0) return [];
    try {
      await nftApply(`${doomed.map(deleteLine).join('\n')}\n`);
      return doomed;
    } catch (e) {
      if (attempt >= 4) throw e;
      rules = await listPortmapRules();
    }
  }
}

export const nftMapper: PortMapper = {
  // One nft transaction: when it fails nothing changed, so there is nothing to undo.
  forward: (conf, cid, cips) => nftApply(planAdd(conf, cid, cips)),

  async unforward(conf, cid) {
    const comment = ruleComment(conf.name, cid);
    const removed = await deleteRules((rules) => rules.filter((r) => r.comment === comment));
    for (const f of [4, 6] as const) {
      const mine = removed.filter((r) => r.family === (f === 4 ? 'ip' : 'ip6'));
      if (!mine.length) continue;
      const udp = conf.mappings.length ? udpPorts(conf) : mine.map(udpDport).filter((p) => p !== undefined);
      if (udp.length) await flushUdpPorts(f, udp);
    }
  },

  async check(conf, cid, cips) {
    const rules = await listPortmapRules();
    for (const cip of cips) {
      const p = checkProblem(conf, cid, cip, rules);
      if (p) throw new CniError(Code.Internal, `could not check ipv${cip.family} dnat: ${p}`);
    }
  },

  async gc(net, keep) {
    if (await nftUsable()) await deleteRules((rules) => gcRules(rules, net, keep));
  },
};
