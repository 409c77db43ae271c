import type { Result } from '../../shared/cni/result.ts';
import { confDns } from '../../shared/cni/config.ts';
import { isV4 } from '../../shared/host/addr.ts';
import { CniError, Code, settleAll } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { batchFailure, ipBatch, line, parseLinks, type Link } from '../../shared/host/iproute2.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { writeHost } from '../../shared/host/sysctl.ts';
import { masqAddr, masqFor } from '../../shared/host/ipmasq.ts';
import { chooseBackend } from '../../shared/host/masq-backend.ts';
import { withUndo, type UndoStack } from '../../shared/cni/undo.ts';
import { randomVethName } from '../../shared/host/veth.ts';
import { configureIface } from '../../shared/host/iface.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { containerRoutes, forwardingSysctls, hostBatch, hostSysctls, ptpIps, type HostPlanInput } from './plan.ts';

/**
 * The host batch. The pair's undo (deleting the host end takes the container end with it) is queued
 * unless the batch stopped at its `link add` line: then the container already has `ifname`, and
 * the links are not ours to delete.
 */
async function setupHost(input: HostPlanInput, undo: UndoStack): Promise<Link | undefined> {
  const plan = hostBatch(input);
  const r = await ipBatch(
    plan.map((p) => p.line),
    { allowFail: true, json: true },
  );
  const f = r.exitCode === 0 ? undefined : batchFailure(r.stderr);
  if (f?.index !== 0) undo.push(() => ipBatch([line('link', 'del', 'dev', input.hostVeth)], { allowFail: true }).then(() => undefined));
  if (f) {
    if (f.index === 0 && /File exists/.test(f.message))
      throw new CniError(Code.Internal, `container veth name ("${input.ifname}") peer provided ("${input.hostVeth}") already exists`);
    throw new CniError(Code.Internal, `${plan[f.index]?.failure ?? 'failed to set up the host veth'}: ${f.message}`);
  }
  for (const [k, v] of hostSysctls(input.hostVeth)) writeHost(k, v);
  return parseLinks(r.outputs.at(-1) ?? [])[0];
}

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname, containerId } = ctx.env;
  assertNetns(netns);
  // A failed ADD leaves nothing behind: each undo step is queued only once its step has succeeded.
  return withUndo(async (undo) => {
    // IPAM first, as the reference does: an ADD whose IPAM refuses (bad input, exhausted range)
    // has not touched the host at all.
    const ipam = await ipamAdd(ctx, conf.ipamType, undo);
    const ips = ptpIps(ipam);
    for (const [k, v] of forwardingSysctls(ips)) {
      if (!writeHost(k, v)) throw new CniError(Code.Internal, `Could not enable IP forwarding: cannot write /proc/sys/${k}`);
    }
    const hostVeth = randomVethName();
    // The links, then the container's addresses and routes; masquerade alongside (it needs only the addresses).
    const linksP = (async () => {
      const host = await setupHost({ hostVeth, ifname, netns, mtu: conf.mtu, ips }, undo);
      // The source-address routes need the IPv6 addresses out of DAD first (the reference settles whenever there is an IPv6 gateway).
      const settle = ips.some((i) => !isV4(i.gateway));
      const cont = await configureIface(netns, { ifname, index: 1, ips, routes: ipam.routes ?? [] }, { settle, after: containerRoutes(ifname, ips) });
      return { host, cont };
    })();
    const masqP = conf.ipMasq
      ? (async () => {
          const masq = masqFor(await chooseBackend(conf.ipMasqBackend));
          undo.push(
            await masq.setup(
              conf.name,
              ifname,
              containerId,
              ips.map((i) => masqAddr(i.address)),
            ),
          );
        })()
      : Promise.resolve();
    await settleAll<unknown>([linksP, masqP]);
    const { host, cont } = await linksP;
    const result: Result = {
      interfaces: [
        { name: hostVeth, mac: host?.address ?? '' },
        { name: ifname, mac: cont?.address ?? '', sandbox: netns },
      ],
      ips,
    };
    if (ipam.routes?.length) result.routes = ipam.routes;
    // Only DNS set in the ptp config replaces what the IPAM plugin returned.
    const dns = confDns(conf.raw) ?? ipam.dns;
    if (dns) result.dns = dns;
    return result;
  });
}
