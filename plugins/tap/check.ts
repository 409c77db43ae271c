import type { Ctx } from '../../shared/cni/skel.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { checkIfaceState, readIface } from '../../shared/host/iface-check.ts';
import { loadConf } from './config.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/** tap.go cmdCheck, in its order, plus the link's existence; routes given without a gateway match any gateway. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args, true);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  if (conf.ipamType !== '') await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw fail('Required prevResult missing');
  if (!(prev.interfaces ?? []).some((i) => i.name === ifname && i.sandbox === netns))
    throw fail(`Sandbox in prevResult  doesn't match configured netns: ${netns}`);
  checkIfaceState(ifname, prev, await readIface(netns, ifname));
}
