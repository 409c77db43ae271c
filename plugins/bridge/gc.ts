import { gcIpamAndMasq } from '../../shared/host/ipmasq.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** GC: stale leases and masquerade rules of this network (shared/host/ipmasq.ts gcIpamAndMasq). */
export const gc = (ctx: Ctx): Promise<void> => gcIpamAndMasq(ctx, loadConf(ctx.raw, ctx.env.args));
