import { line, ipBatch } from '../../shared/host/iproute2.ts';
import { netnsState } from '../../shared/host/netns.ts';
import { parseBase } from '../../shared/cni/config.ts';
import type { Ctx } from '../../shared/cni/skel.ts';

export async function del(ctx: Ctx): Promise<void> {
  parseBase(ctx.raw);
  // Nothing to undo when the namespace is gone (or its mount point is left as a plain file).
  if (ctx.env.netns === '' || netnsState(ctx.env.netns) !== 'ok') return;
  await ipBatch([line('link', 'set', 'dev', 'lo', 'down')], { netns: ctx.env.netns });
}
