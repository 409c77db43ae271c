import { detachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseRaw } from './config.ts';

/** IPAM DEL and the link; only the config's keys are read, so DEL works when the master is gone. */
export async function del(ctx: Ctx): Promise<void> {
  await detachLink(ctx, parseRaw(ctx.raw).ipam?.type ?? '');
}
