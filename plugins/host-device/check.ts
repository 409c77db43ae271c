import type { Ctx } from '../../shared/cni/skel.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { checkIfaceState, readIface } from '../../shared/host/iface-check.ts';
import { loadConf } from './config.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/** host-device.go cmdCheck, in its order; routes given without a gateway match any gateway (shared/host/iface-check.ts). */
export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, true);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  if (conf.ipamType !== '') await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw fail('Required prevResult missing');
  if (conf.dpdk) return;
  const ci = (prev.interfaces ?? []).find((i) => i.name === ifname && i.sandbox === netns);
  if (!ci) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${netns}`);
  const state = await readIface(netns, ifname);
  if (!state.link) throw fail(`Container Interface name in prevResult: ${ifname} not found`);
  if (ci.mac && ci.mac.toLowerCase() !== (state.link.address ?? '').toLowerCase())
    throw fail(`Interface ${ifname} Mac ${ci.mac} doesn't match container Mac: ${state.link.address}`);
  checkIfaceState(ifname, prev, state);
}
