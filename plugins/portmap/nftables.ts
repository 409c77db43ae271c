// Applying nft plans: each change is one `nft -f` transaction; reading is one `nft -j list ruleset`.
import { nftApply, nftListJson } from '../../shared/nftables.ts';
import { deleteLine, portmapRules, type NftRule } from './nft-plan.ts';

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
      await nftApply(doomed.map(deleteLine).join('\n') + '\n');
      return doomed;
    } catch (e) {
      if (attempt >= 4) throw e;
      rules = await listPortmapRules();
    }
  }
}
