import { ipBatch, line, parseLinks, type Link } from '../../shared/host/iproute2.ts';
import { checkIfaceState, readIface, type IfaceState } from '../../shared/host/iface-check.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { saysNotFound } from '../../shared/host/exec.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf, type BridgeConf } from './config.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/** `ip -d -j -batch` (details give the link kind) on the host. */
async function readDetailed(lines: string[]): Promise<unknown[][]> {
  const r = await ipBatch(lines, { details: true, json: true, force: true, allowFail: true });
  if (r.exitCode !== 0 && !saysNotFound(r)) throw fail(r.stderr.trim());
  return r.outputs;
}

const sameMac = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** The pure part of CHECK: prevResult against what the kernel shows (containernetworking/plugins `plugins/main/bridge/bridge.go` cmdCheck, in its order). */
export function checkState(conf: BridgeConf, prev: Result, env: { netns: string; ifname: string }, host: Link[], cont: IfaceState): void {
  const ifs = prev.interfaces ?? [];
  const br = ifs.find((i) => i.name === conf.bridge);
  const ci = ifs.find((i) => i.name === env.ifname && i.sandbox === env.netns);
  if (!br) throw fail(`CNI created bridge ${conf.bridge} in host namespace was not found`);
  const brLink = host.find((l) => l.ifname === br.name);
  if (!brLink) throw fail(`Interface name ${br.name} not found`);
  if (br.sandbox) throw fail(`Interface ${br.name} should not be in sandbox`);
  if (brLink.linkinfo?.info_kind !== 'bridge') throw fail(`Interface ${br.name} does not have link type of bridge`);
  if (br.mac && !sameMac(br.mac, brLink.address)) throw fail(`Bridge interface ${br.name} Mac doesn't match: ${br.mac}`);
  const promisc = brLink.flags.includes('PROMISC');
  if (promisc !== conf.promiscMode)
    throw fail(`Bridge interface ${br.name} configured Promisc Mode ${conf.promiscMode} doesn't match current state: ${promisc} `);
  // As the reference: with no entry for this ifname in this netns, the "found" sandbox is empty.
  if (!ci) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${env.netns}`);
  const cl = cont.link;
  if (!cl) throw fail(`Interface name ${env.ifname} not found`);
  if (cl.linkinfo?.info_kind !== 'veth') throw fail(`Error: Container interface ${env.ifname} not of type veth`);
  if (ci.mac && !sameMac(ci.mac, cl.address)) throw fail(`Interface ${env.ifname} Mac ${ci.mac} doesn't match container Mac: ${cl.address}`);
  const peerIndex = cl.link_index;
  if (peerIndex === undefined) throw fail(`Interface ${env.ifname}: cannot read the veth peer index`);
  let found = false;
  for (const i of ifs) {
    if (i === br || i === ci) continue;
    const l = host.find((h) => h.ifname === i.name);
    if (!l) throw fail(`Interface name ${i.name} not found`);
    if (i.sandbox) throw fail(`Interface ${i.name} should not be in sandbox`);
    if (!found && l.linkinfo?.info_kind === 'veth' && l.ifindex === peerIndex && l.master === conf.bridge) {
      if (i.mac && !sameMac(i.mac, l.address)) throw fail(`Interface ${i.name} Mac doesn't match: ${i.mac} not found`);
      found = true;
    }
  }
  if (!found) throw fail(`CNI veth created for bridge ${conf.bridge} was not found`);
  checkIfaceState(env.ifname, prev, { link: cl, routes: cont.routes });
}

export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  // Unlike the reference (which always delegates and so fails L2 configs), only L3 has an IPAM to ask.
  if (conf.ipamType !== '') await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw fail('Required prevResult missing');
  const [hostOut, cont] = await Promise.all([readDetailed([line('link', 'show')]), readIface(netns, ifname)]);
  checkState(conf, prev, { netns, ifname }, parseLinks(hostOut[0] ?? []), cont);
}
