import { line, ipBatch, parseLinks } from '../../shared/host/iproute2.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { parseBase, prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';

export async function check(ctx: Ctx): Promise<void> {
  const conf = parseBase(ctx.raw);
  prevResultOf(conf, ctx.cniVersion);
  assertNetns(ctx.env.netns);
  const { outputs } = await ipBatch([line('link', 'show', 'dev', 'lo')], { netns: ctx.env.netns, json: true });
  const lo = parseLinks(outputs[0] ?? [])[0];
  if (!lo?.flags.includes('UP')) throw new CniError(Code.Internal, 'loopback interface is down');
}
