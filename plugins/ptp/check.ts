import { checkIfaceState, readIface, type IfaceState } from '../../shared/host/iface-check.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/**
 * The pure part of CHECK: prevResult against the container's interface and routes, in the order and
 * with the messages of containernetworking/plugins `plugins/main/ptp/ptp.go` cmdCheck. Addresses and
 * routes go through checkIfaceState, where a route given without a gateway matches the one ADD
 * installed via the address's gateway (the reference looks for an empty gateway and fails).
 */
export function checkState(prev: Result, env: { netns: string; ifname: string }, cont: IfaceState): void {
  const ci = (prev.interfaces ?? []).find((i) => i.name === env.ifname && i.sandbox === env.netns);
  // As the reference: with no entry for this ifname in this netns, the "found" sandbox is empty.
  if (!ci) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${env.netns}`);
  const cl = cont.link;
  if (!cl) throw fail(`ptp: Container Interface name in prevResult: ${ci.name} not found`);
  if (cl.linkinfo?.info_kind !== 'veth') throw fail(`Error: Container interface ${ci.name} not of type veth/p2p`);
  if (ci.mac && ci.mac.toLowerCase() !== (cl.address ?? '').toLowerCase())
    throw fail(`ptp: Interface ${ci.name} Mac ${ci.mac} doesn't match container Mac: ${cl.address}`);
  checkIfaceState(env.ifname, prev, cont);
}

export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw fail('ptp: Required prevResult missing');
  checkState(prev, { netns, ifname }, await readIface(netns, ifname));
}
