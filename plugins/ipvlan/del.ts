import { detachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseRaw } from './config.ts';

/**
 * IPAM DEL (none when chained) and the link. Unlike the reference, which resolves the master first
 * (and fails without a default route or with an odd prevResult), nothing is looked up.
 */
export async function del(ctx: Ctx): Promise<void> {
  await detachLink(ctx, parseRaw(ctx.raw).ipam?.type ?? '');
}
