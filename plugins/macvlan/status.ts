import { delegate, ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseRaw } from './config.ts';

/** STATUS: ready when the IPAM plugin is (the reference does not look at the master either). */
export async function status(ctx: Ctx): Promise<void> {
  await ipamStatus(ctx, parseRaw(ctx.raw).ipam?.type ?? '');
}

/** GC: the IPAM plugin forgets the leases of attachments no longer valid (the reference has no GC). */
export async function gc(ctx: Ctx): Promise<void> {
  const type = parseRaw(ctx.raw).ipam?.type ?? '';
  if (type !== '') await delegate(ctx, type, 'GC');
}
