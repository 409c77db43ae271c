import { ipamStatus } from '../../shared/cni/ipam.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** Ready when an ADD could be served: the IPAM plugin is there and reports ready itself. */
export async function status(ctx: Ctx): Promise<void> {
  await ipamStatus(ctx, loadConf(ctx.raw, ctx.env.args).ipamType);
}
