import { checkAttachedLink } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { checkDummyLink } from './plan.ts';

/** containernetworking/plugins `plugins/main/dummy/dummy.go` cmdCheck; the routes too (ADD made them). */
export const check = (ctx: Ctx): Promise<void> => checkAttachedLink(ctx, 'dummy', loadConf(ctx.raw), checkDummyLink);
