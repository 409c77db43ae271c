import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { confDns } from '../../shared/cni/config.ts';
import { CniError, Code, settleAll } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { withUndo } from '../../shared/cni/undo.ts';
import { isV4 } from '../../shared/host/addr.ts';
import { configureIface } from '../../shared/host/iface.ts';
import { createContainerLink } from '../../shared/host/container-link.ts';
import { loadConf, tapAttrs, tuntapOptions } from './config.ts';
import { withExecLabel } from './selinux.ts';

/** A missing bridge fails the creation batch's `master` argument: say so in the reference's words, naming it. */
function bridgeFailure(bridge: string, e: unknown): unknown {
  if (bridge === '' || !(e instanceof CniError) || !e.message.includes(`"${bridge}"`)) return e;
  return new CniError(Code.Internal, `bridge: failed to get bridge ${bridge}: no link of that name in the container namespace (${e.message})`);
}

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  const l3 = conf.ipamType !== '';
  return withUndo(async (undo) => {
    // The tap is made inside the container under a temporary name (a persistent tap with its owner,
    // group and queues, then MTU and MAC in the same batch) while IPAM runs; each pushes its undo.
    const spec = {
      netns,
      ifname,
      kind: 'tap',
      inContainer: true,
      attrs: tapAttrs(conf),
      tuntap: { mode: 'tap' as const, options: tuntapOptions(conf) },
      type: [],
    };
    const linkP = withExecLabel(conf.selinuxContext, () => createContainerLink(spec, undo)).catch((e: unknown) => {
      throw bridgeFailure(conf.bridge, e);
    });
    // The label stays on this thread until the tap exists: IPAM's process must not inherit it.
    if (conf.selinuxContext) await linkP.catch(() => undefined);
    const ipamP = l3 ? ipamAdd(ctx, conf.ipamType, undo) : Promise.resolve(undefined);
    await settleAll<unknown>([linkP, ipamP]);
    const link = await linkP;
    const ipam = await ipamP;
    const ips = (ipam?.ips ?? []).map((i) => ({ ...i, interface: 0 }));
    const routes = ipam?.routes ?? [];
    // One batch: the rename (its failure reported, where the reference swallows it), addresses,
    // up, routes. arp_notify with addresses, as the reference.
    const shown = await configureIface(netns, { ifname, index: 0, ips, routes }, { link, notify: l3, settle: ips.some((i) => i.gateway && !isV4(i.gateway)) });
    const result: Result = { interfaces: [{ name: ifname, mac: shown?.address ?? '', sandbox: netns }] };
    if (l3) {
      result.ips = ips;
      if (routes.length) result.routes = routes;
    }
    const dns = confDns(conf.raw);
    if (dns) result.dns = dns;
    return result;
  });
}
