import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** Ready when an ADD could be served: the IPAM plugin is there and reports ready itself. */
export const status = (ctx: Ctx): Promise<void> => ipamStatus(ctx, loadConf(ctx.raw).ipamType);
