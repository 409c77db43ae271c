import { checkAttached } from '../../shared/cni/attach.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { checkRequest } from './plan.ts';

/** containernetworking/plugins `plugins/main/vlan/vlan.go` cmdCheck: the master must exist too. */
export const check = (ctx: Ctx): Promise<void> => checkAttached(ctx, checkRequest(loadConf(ctx.raw), ctx.env.netns));
