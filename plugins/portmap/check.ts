import { CniError, Code } from '../../shared/errors.ts';
import { saveTable } from '../../shared/iptables.ts';
import type { Ctx } from '../../shared/skel.ts';
import { containerIps, parsePortmapConf } from './config.ts';
import { checkProblem as iptProblem } from './iptables-plan.ts';
import { checkProblem as nftProblem } from './nft-plan.ts';
import { listPortmapRules } from './nftables.ts';
import { trySave } from './iptables.ts';
import { resolveBackend } from './backend.ts';

/** This container's chains and rules must exist, for each family it has an IP of. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  if (!conf.prevResult) throw new CniError(Code.Internal, 'Required prevResult missing');
  if (conf.mappings.length === 0) return;
  const cips = containerIps(conf.prevResult, ctx.env.ifname);
  if (cips.length === 0) return;
  const cid = ctx.env.containerId;
  const dumps = conf.backend === 'nftables' ? [] : await Promise.all(cips.map((c) => trySave(c.family)));
  const backend = await resolveBackend(conf, dumps[0]);
  if (backend === 'nftables') {
    const rules = await listPortmapRules();
    for (const cip of cips) {
      const p = nftProblem(conf, cid, cip, rules);
      if (p) throw new CniError(Code.Internal, `could not check ipv${cip.family} dnat: ${p}`);
    }
    return;
  }
  for (const [i, cip] of cips.entries()) {
    const dump = dumps[i] ?? (await saveTable(cip.family, 'nat'));
    const p = iptProblem(conf, cid, cip, dump);
    if (p) throw new CniError(Code.Internal, `could not check ipv${cip.family} dnat: ${p}`);
  }
}
