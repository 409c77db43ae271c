import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** As the reference: ready when the IPAM plugin is. */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, loadConf(ctx.raw, ctx.env.args, true).ipamType);
