import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** Upstream asks IPAM only (its master check is a TODO): so do we. */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, loadConf(ctx.raw).ipamType);
