import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** As the reference: ready when the IPAM plugin is (whether the device exists is not asked: upstream's TODO). */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, loadConf(ctx.raw, true).ipamType);
