import { validAttachments } from '../../shared/config.ts';
import { nftUsable } from '../../shared/nftables.ts';
import type { Ctx } from '../../shared/skel.ts';
import { parsePortmapConf } from './config.ts';
import { planGc } from './iptables-plan.ts';
import { gcRules } from './nft-plan.ts';
import { transact, trySave } from './iptables.ts';
import { deleteRules } from './nftables.ts';

/**
 * Remove this network's rules of attachments not in cni.dev/valid-attachments. Without that key
 * nothing is known to be stale, so nothing is removed.
 */
export async function gc(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  const valid = validAttachments(conf.raw);
  if (valid === undefined) return;
  const keep = valid.map((a) => a.containerID);
  const net = conf.name;
  const jobs: Promise<unknown>[] = [];
  if (conf.backend !== 'nftables') {
    for (const f of [4, 6] as const) {
      jobs.push(
        trySave(f).then((dump) => {
          if (dump && planGc(net, keep, dump).length) return transact(f, (d) => planGc(net, keep, d), dump);
          return undefined;
        }),
      );
    }
  }
  if (conf.backend !== 'iptables') {
    jobs.push(nftUsable().then((ok) => (ok ? deleteRules((rules) => gcRules(rules, net, keep)) : undefined)));
  }
  await Promise.all(jobs);
}
