import { detachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** The lease and the link; a config without IPAM (which no ADD accepted) still deletes the link. */
export const del = (ctx: Ctx): Promise<void> => detachLink(ctx, loadConf(ctx.raw, false).ipamType);
