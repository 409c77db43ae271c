// What every main plugin that puts one interface into the container with addresses from IPAM
// (vlan, dummy, macvlan, ipvlan, …) shares at the protocol level: the IPAM type it is configured
// with, its STATUS, the result it prints, and the shape of its ADD, CHECK and DEL (containernetworking/plugins `plugins/main/vlan/vlan.go`
// cmdAdd, cmdStatus).
import { delegate, ipamAdd, ipamNeedsLink, linkAndIpamDel } from './ipam.ts';
import { CniError, Code, invalidConfig, settleAll } from './errors.ts';
import { withUndo } from './undo.ts';
import { pluginTypeProblem } from './validate.ts';
import { confDns as confDnsOf, prevResultOf, type BaseConf } from './config.ts';
import type { Dns, Result } from './result.ts';
import type { Ctx } from './skel.ts';
import { isV4 } from '../host/addr.ts';
import { createContainerLink, createFailure, createLinkLine, deleteContainerLink, renameContainerLink, type LinkSpec } from '../host/container-link.ts';
import { configureIface, ifaceBatch, ipv6Sysctls } from '../host/iface.ts';
import { checkContainerLink, checkIfaceState, readIface } from '../host/iface-check.ts';
import { parseLinks, parseRoutes, type Link } from '../host/iproute2.ts';
import { assertNetns } from '../host/netns.ts';

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

export interface ContainerIface {
  ifname: string;
  netns: string;
  mac: string;
}

/** The result of a plugin whose only interface is the container's: IPAM's addresses (all on interface 0) and routes. */
export function singleIfaceResult(iface: ContainerIface, ipam: Result | undefined, confDns: Dns | undefined): Result {
  const result: Result = { interfaces: [{ name: iface.ifname, mac: iface.mac, sandbox: iface.netns }] };
  if (ipam?.ips?.length) result.ips = ipam.ips.map((ip) => ({ ...ip, interface: 0 }));
  if (ipam?.routes?.length) result.routes = ipam.routes;
  const dns = confDnsOf({ dns: confDns }) ?? ipam?.dns;
  if (dns) result.dns = dns;
  return result;
}

export interface AttachOptions {
  /** Ask IPAM while the link is made (nothing of it is on the host: dummy), unless the IPAM needs the link (dhcp); otherwise only once the link exists, as upstream. */
  ipamAlongside?: boolean;
  /** arp_notify / ndisc_notify on the link (macvlan, ipvlan). */
  notify?: boolean;
}

/**
 * ADD of a plugin whose one interface is a new link in the container: the link (under a temporary
 * name), the IPAM lease, then addresses, up and routes in one batch (ConfigureIface), and the
 * result with the MAC the kernel gave the link. A failure takes back exactly what this call made.
 */
export function attachNewLink(ctx: Ctx, spec: LinkSpec, ipamType: string, confDns: Dns | undefined, o: AttachOptions = {}): Promise<Result> {
  return withUndo(async (undo) => {
    let ipam: Result | undefined;
    const link = createContainerLink(spec, undo);
    // An IPAM that speaks over the link (dhcp) needs it made, and under its final name, first.
    const needsLink = ipamNeedsLink(ipamType);
    if (o.ipamAlongside && !needsLink) {
      // IPAM first in the list: when both fail, its message (about the config) wins.
      const ipamP = ipamAdd(ctx, ipamType, undo);
      await settleAll<unknown>([ipamP, link]);
      ipam = await ipamP;
    } else {
      if (needsLink) await renameContainerLink(await link);
      else await link;
      ipam = await ipamAdd(ctx, ipamType, undo);
    }
    const res = singleIfaceResult({ ifname: spec.ifname, netns: spec.netns, mac: '' }, ipam, confDns);
    const ips = res.ips ?? [];
    // ConfigureIface waits for DAD before the routes when there is an IPv6 gateway.
    const settle = ips.some((i) => i.gateway !== undefined && !isV4(i.gateway));
    const now = await configureIface(
      spec.netns,
      { ifname: spec.ifname, index: 0, ips, routes: res.routes ?? [] },
      { link: await link, settle, notify: o.notify ?? false },
    );
    // The kernel picks the MAC (a VLAN takes its master's): read back by the batch's closing `link show`.
    res.interfaces![0]!.mac = now?.address ?? '';
    return res;
  });
}

/**
 * CHECK in the upstream plugins' order: IPAM's CHECK, prevResult, then the link (named in
 * prevResult, of `kind`, its MAC), the kind's own checks (`own`), addresses and routes. `alongside`
 * runs with the read of the link (vlan: the master must still exist).
 */
export async function checkAttachedLink(
  ctx: Ctx,
  kind: string,
  conf: { raw: BaseConf; ipamType: string },
  own: (link: Link) => void,
  alongside?: () => Promise<unknown>,
): Promise<void> {
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw new CniError(Code.Internal, `${kind}: Required prevResult missing`);
  const [state] = await Promise.all([readIface(netns, ifname), alongside?.()]);
  own(checkContainerLink(kind, prev, { netns, ifname }, state));
  checkIfaceState(ifname, prev, state);
}

/** DEL: the lease and the link, side by side; a gone namespace or link is not an error, and nothing else (a master) is looked at. */
export async function detachLink(ctx: Ctx, ipamType: string): Promise<void> {
  const { netns, ifname } = ctx.env;
  await settleAll(linkAndIpamDel(ctx, ipamType, () => deleteContainerLink(netns, ifname)));
}

/**
 * Package-time warming (shared/cni/warm.ts) of the path every such plugin shares: its link line and
 * its failures, the result, the container batch, and CHECK of a link as `ip -d -j` shows it
 * (`linkinfo`: the kind and its data). Pure: nothing runs.
 */
export function warmAttach(spec: LinkSpec, ipam: Result, confDns: Dns | undefined, linkinfo: Record<string, unknown>, own: (link: Link) => void): void {
  createLinkLine(spec, 'veth00000000');
  for (const e of ['Cannot find device "eth9"\nCommand failed -:1', 'RTNETLINK answers: File exists\n', 'Error: Unknown device type.\n'])
    createFailure(spec, e);
  const res = singleIfaceResult({ ifname: spec.ifname, netns: spec.netns, mac: '02:00:00:00:00:03' }, ipam, confDns);
  ipv6Sysctls(spec.ifname, res.ips ?? []);
  ifaceBatch({ ifname: spec.ifname, index: 0, ips: res.ips ?? [], routes: res.routes ?? [] });
  const [link] = parseLinks([
    {
      ifindex: 2,
      ifname: spec.ifname,
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: 1500,
      address: '02:00:00:00:00:03',
      linkinfo,
      addr_info: (res.ips ?? []).map((i) => ({
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
  try {
    own(checkContainerLink(String(linkinfo.info_kind), res, { netns: spec.netns, ifname: spec.ifname }, state));
    checkIfaceState(spec.ifname, res, state);
  } catch {
    // a sample may fail its checks: reaching the code is the point
  }
}
