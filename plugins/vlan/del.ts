import { detachLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** Neither the lease nor the link needs the master (upstream looks it up first, so its DEL fails for good once the master is gone). */
export const del = (ctx: Ctx): Promise<void> => detachLink(ctx, loadConf(ctx.raw, false).ipamType);
