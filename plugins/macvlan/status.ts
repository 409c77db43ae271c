import { ipamGc, ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseRaw } from './config.ts';

/** STATUS: ready when the IPAM plugin is (the reference does not look at the master either). */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, parseRaw(ctx.raw).ipam?.type ?? '');

/** GC: the IPAM plugin forgets the leases of attachments no longer valid (the reference has no GC). */
export const gc = (ctx: Ctx): Promise<void> => ipamGc(ctx, parseRaw(ctx.raw).ipam?.type ?? '');
