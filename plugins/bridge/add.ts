import type { Interface, Result } from '../../shared/cni/result.ts';
import { isV4 } from '../../shared/host/addr.ts';
import { CniError, Code, settleAll, wrap } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { batchFailure, ipBatch, ipPlan, line, parseLinks } from '../../shared/host/iproute2.ts';
import { ipamAdd, ipamNeedsLink } from '../../shared/cni/ipam.ts';
import { run } from '../../shared/host/exec.ts';
import { writeHost, writeInNetns } from '../../shared/host/sysctl.ts';
import { masqAddr, masqFor } from '../../shared/host/ipmasq.ts';
import { withUndo, type UndoStack } from '../../shared/cni/undo.ts';
import { linkReader, waitOperUp, type LinkReader, type LinkState } from '../../shared/host/link-state.ts';
import { randomMac } from '../../shared/host/mac.ts';
import { randomVethName } from '../../shared/host/veth.ts';
import { configureIface } from '../../shared/host/iface.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf, type BridgeConf } from './config.ts';
import {
  bridgeL3Batch,
  calcGateways,
  forwardingSysctls,
  gatewayBatch,
  hostBatch,
  hostSysctls,
  linkSysctls,
  vlanBatch,
  type BridgeAddr,
  type HostPlanInput,
  type L3Plan,
} from './plan.ts';
import { spoofSetup } from './macspoof.ts';
import { chooseBackend } from './backend.ts';

/** The bridge as it is now; an existing link of that name that is not a bridge fails here. */
function bridgeState(conf: BridgeConf, now: LinkState | undefined): HostPlanInput['bridge'] {
  const br = conf.bridge;
  if (!now) return { exists: false, mac: randomMac() };
  if (!now.isBridge) throw new CniError(Code.Internal, `failed to create bridge "${br}": "${br}" already exists but is not a bridge`);
  return { exists: true, pinned: now.pinned, mac: now.mac ?? randomMac() };
}

/** The bridge's addresses from the batch's only output, its closing `addr show`. */
const bridgeAddrsOf = (outputs: unknown[]): BridgeAddr[] =>
  (parseLinks((outputs.at(-1) ?? []) as unknown[])[0]?.addr_info ?? [])
    .filter((a) => a.family === 'inet' || a.family === 'inet6')
    .map((a) => ({ family: a.family === 'inet' ? 4 : 6, cidr: `${a.local}/${a.prefixlen}` }) as BridgeAddr);

/**
 * Host link batch, retried once (with the bridge looked at again) when another ADD created the
 * bridge between our look and our batch. With `readAddrs` it ends by listing the bridge's
 * addresses (for the gateway conflict check), in the same process. The veth's undo is queued
 * only once its `link add` has run: when that line fails (the container already has `ifname`),
 * the links are not ours to delete.
 */
async function runHostBatch(conf: BridgeConf, input: HostPlanInput, readAddrs: boolean, undo: UndoStack, links: LinkReader): Promise<BridgeAddr[]> {
  const delVeth = () => ipBatch([line('link', 'del', 'dev', input.hostVeth)], { allowFail: true }).then(() => undefined);
  for (let attempt = 0; ; attempt++) {
    const plan = hostBatch(attempt === 0 ? input : { ...input, bridge: bridgeState(conf, await links.get(conf.bridge)) });
    const lines = plan.map((p) => p.line);
    if (readAddrs) lines.push(line('addr', 'show', 'dev', conf.bridge));
    const r = await ipBatch(lines, { allowFail: true, json: readAddrs });
    const vethAt = plan.findIndex((p) => p.creates === 'veth');
    const f = r.exitCode === 0 ? undefined : batchFailure(r.stderr);
    if (!f || f.index > vethAt) undo.push(delVeth);
    if (!f) return readAddrs ? bridgeAddrsOf(r.outputs) : [];
    const step = plan[f.index];
    const exists = /File exists/.test(f.message);
    if (step?.creates === 'bridge' && exists && attempt === 0) continue;
    if (step?.creates === 'veth' && exists)
      throw new CniError(Code.Internal, `container veth name ("${input.ifname}") peer provided ("${input.hostVeth}") already exists`);
    throw new CniError(Code.Internal, `${step?.failure ?? `failed to set up the host side of "${input.ifname}"`}: ${f.message}`);
  }
}

/** The link batch's bridge lines are no-ops: it exists, its MAC is pinned, it is up (and promiscuous if asked). */
function bridgeUnchanged(conf: BridgeConf, bridge: HostPlanInput['bridge'], now: LinkState | undefined): boolean {
  if (!bridge.exists || !bridge.pinned || !now) return false;
  return now.up && (!conf.promiscMode || now.promisc);
}

const writeAllHost = (settings: ReadonlyArray<readonly [string, string]>) => {
  for (const [k, v] of settings) writeHost(k, v);
};

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname, containerId } = ctx.env;
  assertNetns(netns);
  const links = linkReader();
  const brNow = await links.get(conf.bridge);
  const bridge = bridgeState(conf, brNow); // an existing non-bridge fails before IPAM hands out anything
  const l3 = conf.ipamType !== '';
  // A failed ADD leaves nothing behind: each undo step is queued only once its step has succeeded
  // (shared/cni/undo.ts), so a failure never undoes what an earlier ADD of the same container made.
  return withUndo(async (undo) => {
    const hostVeth = randomVethName();
    const containerMac = conf.mac ?? randomMac();

    // Stage 1: what needs no address runs while IPAM does (the host links, the port's VLANs and
    // sysctls, the container link's own sysctls) — but only when the batch leaves the bridge
    // itself as it is: an ADD whose IPAM fails (bad input) must not have created or changed a
    // bridge, so a new or unpinned bridge waits for IPAM. IPAM is first in the list, then the
    // links: when a retried ADD fails everywhere, theirs are the messages that win.
    // An IPAM that speaks over the link (dhcp) runs once the links exist, as in the reference.
    const needsLink = ipamNeedsLink(conf.ipamType);
    const startIpam = () => (l3 ? ipamAdd(ctx, conf.ipamType, undo) : Promise.resolve(undefined));
    let ipamP = needsLink ? undefined : startIpam();
    if (ipamP && l3 && !bridgeUnchanged(conf, bridge, brNow)) await ipamP;
    const linksP = (async () => {
      const addrs = await runHostBatch(conf, { conf, netns, ifname, hostVeth, containerMac, bridge }, l3 && conf.isGateway, undo, links);
      writeAllHost(hostSysctls(conf.bridge, hostVeth));
      const vlans = vlanBatch(conf, hostVeth, brNow?.defaultPvid ?? 1);
      if (vlans.length)
        await run('bridge', ['-batch', '-'], { input: `${vlans.join('\n')}\n` }).catch((e) => {
          throw wrap('failed to set up VLANs', e);
        });
      if (l3) await writeInNetns(netns, linkSysctls(conf, ifname));
      return addrs;
    })();
    if (!ipamP) {
      await linksP;
      ipamP = startIpam();
    }
    await settleAll<unknown>([ipamP, linksP]);
    const ipamResult = await ipamP;
    const brAddrs = await linksP;
    const portUp = () => (conf.disableContainerInterface ? undefined : waitOperUp(links, hostVeth));

    // Stage 2: what needs the addresses, side by side: the bridge's layer 3, the container's
    // addresses and routes, masquerade.
    let plan: L3Plan | undefined;
    const steps: Array<Promise<unknown>> = [];
    if (l3 && ipamResult) {
      plan = calcGateways(conf, ipamResult);
      const l3Lines = bridgeL3Batch(
        conf.bridge,
        plan.ips.map((i) => i.address),
        gatewayBatch(conf, conf.bridge, brAddrs, plan.gateways),
      );
      writeAllHost(forwardingSysctls(plan.gateways));
      // Routes via an IPv6 gateway wait for DAD only when DAD is on (enabledad).
      const settle = conf.enabledad && plan.ips.some((i) => i.gateway && !isV4(i.gateway));
      steps.push(configureIface(netns, { ifname, index: 2, ips: plan.ips, routes: plan.routes }, { settle }).then(portUp));
      if (l3Lines.length) steps.push(ipPlan(l3Lines));
      if (conf.macspoofchk) steps.push(spoofSetup(containerId, ifname, hostVeth, containerMac).then((u) => undo.push(u)));
      if (conf.ipMasq) {
        const masq = masqFor(await chooseBackend(conf.ipMasqBackend));
        const addrs = plan.ips.map((i) => masqAddr(i.address));
        steps.push(masq.setup(conf.name, ifname, containerId, addrs).then((u) => undo.push(u)));
      }
    } else {
      if (conf.macspoofchk) steps.push(spoofSetup(containerId, ifname, hostVeth, containerMac).then((u) => undo.push(u)));
      if (!conf.disableContainerInterface) steps.push(configureIface(netns, { ifname, index: 2, ips: [], routes: [] }).then(portUp));
    }
    await settleAll(steps);

    const interfaces: Interface[] = [
      { name: conf.bridge, mac: (await links.get(conf.bridge))?.mac ?? '' },
      { name: hostVeth, mac: (await links.get(hostVeth))?.mac ?? '' },
      { name: ifname, mac: containerMac, sandbox: netns },
    ];
    const result: Result = { interfaces };
    if (plan) {
      result.ips = plan.ips;
      if (plan.routes.length) result.routes = plan.routes;
    }
    const dns = hasDns(conf.raw.dns) ? conf.raw.dns : ipamResult?.dns;
    if (dns) result.dns = dns;
    return result;
  });
}

const hasDns = (d: BridgeConf['raw']['dns']): boolean => !!d && !!(d.nameservers?.length || d.domain || d.search?.length || d.options?.length);
