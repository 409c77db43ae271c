import { attach } from '../../shared/cni/attach.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { attachRequest } from './plan.ts';

export const add = (ctx: Ctx): Promise<Result> => attach(ctx, attachRequest(loadConf(ctx.raw, ctx.env.args), ctx.env.netns, ctx.env.ifname));
