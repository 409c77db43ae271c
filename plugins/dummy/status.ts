import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** As upstream: IPAM's STATUS. */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, loadConf(ctx.raw).ipamType);
