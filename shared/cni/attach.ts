// A main plugin whose one container interface is a link it makes itself (vlan, dummy, macvlan,
// ipvlan): the IPAM type it is configured with, ADD (the master, the link under a temporary name,
// the addresses, the interface configured and read back), the result it prints, CHECK and DEL
// (containernetworking/plugins `plugins/main/macvlan/macvlan.go`, `ipvlan/ipvlan.go`,
// `vlan/vlan.go`, `dummy/dummy.go` cmdAdd, cmdCheck, cmdDel). A failed ADD takes back what it made,
// the lease included (shared/cni/undo.ts).
import { delegate, ipamAdd, ipamNeedsLink, linkAndIpamDel } from './ipam.ts';
import { CniError, Code, invalidConfig, settleAll } from './errors.ts';
import { withUndo, type UndoStack } from './undo.ts';
import { pluginTypeProblem } from './validate.ts';
import { confDns, prevResultOf, type BaseConf } from './config.ts';
import type { Dns, Result } from './result.ts';
import type { Ctx } from './skel.ts';
import { attempt } from './warm.ts';
import { isV4 } from '../host/addr.ts';
import {
  createContainerLink,
  createFailure,
  createLinkLine,
  deleteContainerLink,
  renameContainerLink,
  type LinkSpec,
  type NewLink,
} from '../host/container-link.ts';
import { configureIface, ifaceBatch, ipv6Sysctls, notifySysctls, type IfaceConfig } from '../host/iface.ts';
import { checkContainerLink, checkIfaceState, readIface, type IfaceState, type LinkExpectation } from '../host/iface-check.ts';
import { parseLinks, parseRoutes, type Link } from '../host/iproute2.ts';
import { checkMtu, defaultRouteDev, resolveMaster, type MasterSpec } from '../host/master.ts';
import { assertNetns } from '../host/netns.ts';
import { writeInNetns } from '../host/sysctl.ts';

/**
 * `ipam.type`, checked as a plugin name before anything is made. `requiredBy` names the link
 * kind when an IPAM is mandatory ("dummy interface requires an IPAM configuration", as upstream).
 */
export function ipamTypeOf(raw: Pick<BaseConf, 'ipam'>, requiredBy?: string): string {
  const t = raw.ipam?.type ?? '';
  if (t === '') {
    if (requiredBy) throw invalidConfig(`ipam: ${requiredBy} interface requires an IPAM configuration (ipam.type)`);
    return '';
  }
  const p = pluginTypeProblem(t);
  if (p) throw invalidConfig(`ipam.type: ${p}`);
  return t;
}

export interface AttachRequest {
  /** The link to make, given the master's name ('' when there is no master: dummy). */
  link: (master: string) => LinkSpec;
  /** Where the master is, and which ('' = the default route's interface). */
  master?: MasterSpec;
  /** The configured MTU (0 = the master's), checked against the master's. */
  mtu?: number;
  /** The IPAM plugin ('' = none). */
  ipamType: string;
  /** The addresses when there is no IPAM: a chained ipvlan's prevResult. Neither: layer 2 only (macvlan). */
  chained?: Result | undefined;
  /** The config's `dns`: the result's when it says anything. */
  dns: Dns | undefined;
  /** Otherwise the addresses' source's (vlan, dummy: as bridge); macvlan and ipvlan pass on the config's only, as the reference. */
  sourceDns?: boolean;
  /** Ask IPAM while the link is made (nothing of it is on the host: dummy); otherwise only once the link exists, as upstream, so a bad master never takes a lease. */
  ipamAlongside?: boolean;
  /** arp_notify / ndisc_notify on the link when it gets addresses (macvlan, ipvlan, as the reference). */
  notify?: boolean;
}

/** The container interface's plan once its addresses are known: the result (MAC still unknown) and the batch's input. Pure. */
export function planIface(
  r: AttachRequest,
  spec: LinkSpec,
  source: Result | undefined,
): { result: Result; iface: IfaceConfig; settle: boolean; notify: boolean } {
  const result: Result = { interfaces: [{ name: spec.ifname, mac: '', sandbox: spec.netns }] };
  // Every address goes on the only interface, whatever index its source gave it.
  if (source?.ips?.length) result.ips = source.ips.map((ip) => ({ ...ip, interface: 0 }));
  if (source?.routes?.length) result.routes = source.routes;
  const dns = confDns({ dns: r.dns }) ?? (r.sourceDns ? source?.dns : undefined);
  if (dns) result.dns = dns;
  const ips = result.ips ?? [];
  return {
    result,
    iface: { ifname: spec.ifname, index: 0, ips, routes: result.routes ?? [] },
    // ConfigureIface waits for DAD before the routes when there is an IPv6 gateway.
    settle: ips.some((i) => i.gateway !== undefined && !isV4(i.gateway)),
    notify: (r.notify ?? false) && source !== undefined,
  };
}

/** The addresses, in the order the plugin needs them made relative to the link. */
async function addresses(ctx: Ctx, r: AttachRequest, link: Promise<NewLink>, undo: UndoStack): Promise<Result | undefined> {
  if (r.ipamType === '') {
    await link;
    return r.chained;
  }
  // An IPAM that speaks over the link (dhcp) needs it made, and under its final name, first.
  if (ipamNeedsLink(r.ipamType)) {
    await renameContainerLink(await link);
    return ipamAdd(ctx, r.ipamType, undo);
  }
  if (!r.ipamAlongside) {
    await link;
    return ipamAdd(ctx, r.ipamType, undo);
  }
  // IPAM first in the list: when both fail, its message (about the config) wins.
  const ipam = ipamAdd(ctx, r.ipamType, undo);
  await settleAll<unknown>([ipam, link]);
  return ipam;
}

/**
 * ADD. The master is looked up only when something needs it first (the default route's interface,
 * the MTU check); otherwise creating the link finds out, with an error that names it. Then the
 * link and the addresses (in the order addresses() says), then one container batch (rename,
 * addresses, up, routes); the result has the MAC the kernel gave the link (a VLAN takes its master's).
 */
export async function attach(ctx: Ctx, r: AttachRequest): Promise<Result> {
  assertNetns(ctx.env.netns);
  const master = r.master ? await resolveMaster(r.master, (r.mtu ?? 0) > 0) : undefined;
  if (master) checkMtu(r.mtu ?? 0, master);
  const spec = r.link(master?.name ?? '');
  return withUndo(async (undo) => {
    const link = createContainerLink(spec, undo);
    const addrs = addresses(ctx, r, link, undo);
    // The notify sysctls need only the link: written while IPAM works, they cost no step in series.
    // Not with dhcp, which renames the link first (the sysctl path names the link).
    const early = (r.notify ?? false) && (r.ipamType !== '' || r.chained !== undefined) && !ipamNeedsLink(r.ipamType);
    const notified = early ? link.then((l) => writeInNetns(spec.netns, notifySysctls(l.name))) : undefined;
    // The addresses first in the list: when both fail (no link), theirs is the message.
    await settleAll<unknown>(notified ? [addrs, notified] : [addrs]);
    const plan = planIface(r, spec, await addrs);
    const now = await configureIface(spec.netns, plan.iface, { link: await link, settle: plan.settle, notify: plan.notify && !early });
    // As the reference: a link that cannot be read back is an error, not a result without a MAC.
    if (!now?.address) throw new CniError(Code.Internal, `failed to refetch ${spec.kind} "${spec.ifname}"`);
    plan.result.interfaces![0]!.mac = now.address;
    return plan.result;
  });
}

export interface CheckRequest {
  /** The config, for prevResult. */
  raw: BaseConf;
  ipamType: string;
  /** The link's kind and, for macvlan and ipvlan, its mode. */
  want: LinkExpectation;
  /** The kind's own checks of the link (vlan: its ID and MTU; dummy: up). */
  own?: (link: Link) => void;
  /**
   * The master: looked up first, its MTU checked against `mtu` (macvlan's and ipvlan's loadConf),
   * or with `masterLate` only that it exists, alongside the read of the link (vlan's cmdCheck).
   */
  master?: MasterSpec;
  mtu?: number;
  masterLate?: boolean;
}

/** The link, the kind's own checks, then its addresses and routes against prevResult. Pure. */
export function checkLink(c: Pick<CheckRequest, 'want' | 'own'>, env: { netns: string; ifname: string }, prev: Result, state: IfaceState): void {
  const link = checkContainerLink(c.want, prev, env, state);
  c.own?.(link);
  checkIfaceState(env.ifname, prev, state);
}

/** CHECK in the upstream plugins' order: the master (macvlan, ipvlan), IPAM's CHECK, prevResult, then the link (vlan: with its master). */
export async function checkAttached(ctx: Ctx, c: CheckRequest): Promise<void> {
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  let state: Promise<IfaceState> | undefined;
  if (c.master && !c.masterLate) {
    // Both reads run side by side; the failures come in the reference's order.
    state = readIface(netns, ifname);
    state.catch(() => undefined);
    checkMtu(c.mtu ?? 0, await resolveMaster(c.master, true));
  }
  if (c.ipamType !== '') await delegate(ctx, c.ipamType, 'CHECK');
  const prev = prevResultOf(c.raw, ctx.cniVersion);
  if (!prev) throw new CniError(Code.Internal, `${c.want.kind}: Required prevResult missing`);
  const late = c.master && c.masterLate ? resolveMaster(c.master, true) : undefined;
  const [now] = await Promise.all([state ?? readIface(netns, ifname), late]);
  checkLink(c, { netns, ifname }, prev, now);
}

/** DEL: the lease and the link, side by side; a gone namespace or link is not an error, and nothing else (a master) is looked up. */
export async function detachLink(ctx: Ctx, ipamType: string): Promise<void> {
  const { netns, ifname } = ctx.env;
  await settleAll(linkAndIpamDel(ctx, ipamType, () => deleteContainerLink(netns, ifname)));
}

/**
 * Package-time warming (shared/cni/warm.ts) of the path every such plugin shares: the MTU check,
 * its link line and its failures, the plan, the container sysctls and batch, and CHECK of a link as
 * `ip -d -j` shows it (`linkinfo`: the kind and its data). Pure: nothing runs.
 */
export function warmAttach(r: AttachRequest, c: Pick<CheckRequest, 'want' | 'own'>, ipam: Result, linkinfo: Record<string, unknown>): void {
  defaultRouteDev(parseRoutes([{ dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] }]));
  // Samples may fail their checks: reaching the code is the point.
  attempt(() => checkMtu(r.mtu ?? 0, { name: 'eth0', mtu: 1500 }));
  const spec = r.link('eth0');
  createLinkLine(spec, 'cni000000000000');
  for (const e of ['Cannot find device "eth9"\nCommand failed -:1', 'RTNETLINK answers: File exists\n', 'Error: Unknown device type.\n'])
    createFailure(spec, e);
  const { result, iface } = planIface(r, spec, r.ipamType === '' ? r.chained : ipam);
  result.interfaces![0]!.mac = '02:00:00:00:00:03';
  notifySysctls('cni000000000000');
  ipv6Sysctls('cni000000000000', iface.ips);
  ifaceBatch(iface);
  const [link] = parseLinks([
    {
      ifindex: 2,
      ifname: spec.ifname,
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: 1500,
      address: '02:00:00:00:00:03',
      linkinfo,
      addr_info: iface.ips.map((i) => ({
        family: isV4(i.address) ? 'inet' : 'inet6',
        local: i.address.split('/')[0],
        prefixlen: Number(i.address.split('/')[1]),
      })),
    },
  ]);
  const state = {
    ...(link ? { link } : {}),
    routes: parseRoutes([
      { dst: '10.250.0.0/24', dev: spec.ifname },
      { dst: 'default', gateway: '10.250.0.1', dev: spec.ifname },
    ]),
  };
  attempt(() => checkLink(c, { netns: spec.netns, ifname: spec.ifname }, result, state));
}
