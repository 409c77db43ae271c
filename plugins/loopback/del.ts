import { line, ipBatch } from '../../shared/ip.ts';
import { netnsState } from '../../shared/netns.ts';
import { parseBase } from '../../shared/config.ts';
import type { Ctx } from '../../shared/skel.ts';

export async function del(ctx: Ctx): Promise<void> {
  parseBase(ctx.raw);
  // Nothing to undo when the namespace is gone (or its mount point is left as a plain file).
  if (ctx.env.netns === '' || netnsState(ctx.env.netns) !== 'ok') return;
  await ipBatch([line('link', 'set', 'dev', 'lo', 'down')], { netns: ctx.env.netns });
}
