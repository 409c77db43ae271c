// The container interface configured from an IPAM result, as the reference's ConfigureIface does
// (containernetworking/plugins `pkg/ipam/ipam_linux.go`): the IPv6 knobs when there is an IPv6
// address, the addresses, link up, then the routes (via the address's gateway of the route's
// family when a route has none), waiting for DAD first when there is an IPv6 gateway. Planned as
// lines, applied as one `ip -batch` inside the namespace (two when DAD must settle in between).
import { canonCidr, isV4 } from './addr.ts';
import { CniError, Code } from '../cni/errors.ts';
import type { IpConfig, Route } from '../cni/result.ts';
import { batchFailure, ipBatch, line, parseLinks, type IpSession, type Link, type PlannedLine } from './iproute2.ts';
import { sysctlPath, writeInNetns } from './sysctl.ts';
import { renameLine, type NewLink } from './container-link.ts';

export interface IfaceConfig {
  ifname: string;
  /** ifname's index in the result's interfaces: an IP that names another interface is refused. */
  index: number;
  ips: readonly IpConfig[];
  routes: readonly Route[];
}

/** The IPv6 knobs, only when there is an IPv6 address (ConfigureIface enables IPv6 on lo and the link). */
export function ipv6Sysctls(dev: string, ips: readonly IpConfig[]): Array<[string, string]> {
  if (!ips.some((i) => !isV4(i.address))) return [];
  return [
    [sysctlPath('net', 'ipv6', 'conf', 'lo', 'disable_ipv6'), '0'],
    [sysctlPath('net', 'ipv6', 'conf', dev, 'disable_ipv6'), '0'],
    [sysctlPath('net', 'ipv6', 'conf', dev, 'keep_addr_on_down'), '1'],
  ];
}

/** Gratuitous ARP and unsolicited neighbour advertisements when the link comes up (macvlan, ipvlan, host-device). */
export const notifySysctls = (dev: string): Array<[string, string]> => [
  [sysctlPath('net', 'ipv4', 'conf', dev, 'arp_notify'), '1'],
  [sysctlPath('net', 'ipv6', 'conf', dev, 'ndisc_notify'), '1'],
];

/** The batch lines: addresses and link up, then routes (ECMP-appending like the reference's RouteAddEcmp). */
export function ifaceBatch(c: IfaceConfig, up = true): { addrs: PlannedLine[]; routes: PlannedLine[] } {
  const { ifname } = c;
  const addrs: PlannedLine[] = [];
  for (const ipc of c.ips) {
    if (ipc.interface !== c.index) throw new CniError(Code.Internal, `failed to add IP addr ${ipc.address} to "${ifname}": invalid interface index`);
    const cidr = canonCidr(ipc.address);
    addrs.push({
      line: isV4(ipc.address) ? line('addr', 'add', cidr, 'brd', '+', 'dev', ifname) : line('addr', 'add', cidr, 'dev', ifname),
      failure: `failed to add IP addr ${ipc.address} to "${ifname}"`,
    });
  }
  if (up) addrs.push({ line: line('link', 'set', 'dev', ifname, 'up'), failure: `failed to set "${ifname}" UP` });
  const gw4 = c.ips.find((i) => i.gateway && isV4(i.gateway))?.gateway;
  const gw6 = c.ips.find((i) => i.gateway && !isV4(i.gateway))?.gateway;
  const routes: PlannedLine[] = [];
  for (const r of c.routes) {
    const gw = r.gw ?? (isV4(r.dst) ? gw4 : gw6);
    const t: (string | number)[] = ['route', 'append', canonCidr(r.dst)];
    if (gw) t.push('via', gw);
    t.push('dev', ifname);
    if (r.priority) t.push('metric', r.priority);
    if (r.table) t.push('table', r.table);
    if (r.scope !== undefined) t.push('scope', r.scope);
    routes.push({ line: line(...t), failure: `failed to add route '${r.dst} via ${gw ?? '<nil>'} dev ${ifname}'` });
  }
  return { addrs, routes };
}

/** Run planned lines in the namespace (in `via` when given); `ran` is told how many lines succeeded before a failure (all, on success). */
async function applyIn(netns: string, plan: readonly PlannedLine[], ran: (n: number) => void, json = false, via?: IpSession): Promise<unknown[][]> {
  const lines = plan.map((p) => p.line);
  const r = via ? await via.finish(lines) : await ipBatch(lines, { netns, allowFail: true, json });
  if (r.exitCode === 0) {
    ran(plan.length);
    return r.outputs;
  }
  const f = batchFailure(r.stderr);
  ran(Math.max(f.index, 0));
  const what = plan[f.index]?.failure ?? plan[0]?.failure ?? 'ip -batch failed';
  throw new CniError(Code.Internal, `${what}: ${f.message}`);
}

export interface ConfigureOptions {
  /** A link this call created under a temporary name: renamed by the batch's first line. */
  link?: NewLink;
  /** Set arp_notify and ndisc_notify on the link. */
  notify?: boolean;
  /** Wait for the IPv6 addresses to leave the tentative state before adding routes (the reference does with an IPv6 gateway). */
  settle?: boolean;
  /** Bring the link up (default true). */
  up?: boolean;
  /** Lines run after the routes, in the same batch (ptp's own routes: they replace the subnet route). */
  after?: readonly PlannedLine[];
  /**
   * An ip session already open in `netns` (iproute2.ts ipSession, nothing shown) that runs the
   * (first) batch: opened while the caller waited on something else, its start-up is off the
   * critical path. The caller closes it afterwards in any case (`finish([])`: only waits once used).
   */
  via?: IpSession;
}

/** Configure the container's interface: one sysctl process when there are knobs to set, then the batch. Returns the link as it is after. */
export async function configureIface(netns: string, c: IfaceConfig, o: ConfigureOptions = {}): Promise<Link | undefined> {
  const { link, via } = o;
  // Per-device sysctls follow the device through the rename, so they are set under its current name.
  const dev = link?.name ?? c.ifname;
  await writeInNetns(netns, [...(o.notify ? notifySysctls(dev) : []), ...ipv6Sysctls(dev, c.ips)]);
  const b = ifaceBatch(c, o.up ?? true);
  const renaming = link !== undefined && link.name !== c.ifname;
  const first: PlannedLine[] = [...(renaming ? [renameLine(link)] : []), ...b.addrs];
  // Once the rename line has run, the link's undo must delete it under its final name.
  const renamed = (n: number) => {
    if (renaming && n > 0) link.name = c.ifname;
  };
  const show: PlannedLine = { line: line('link', 'show', 'dev', c.ifname), failure: `failed to look up "${c.ifname}"` };
  let outputs: unknown[][];
  if (o.settle) {
    await applyIn(netns, first, renamed, false, via);
    await settleAddresses(netns, c.ifname);
    outputs = await applyIn(netns, [...b.routes, ...(o.after ?? []), show], () => undefined, true);
  } else {
    outputs = await applyIn(netns, [...first, ...b.routes, ...(o.after ?? []), show], renamed, true, via);
  }
  return parseLinks(outputs.at(-1) ?? [])[0];
}

/** Wait (up to 5 s) for the IPv6 addresses to leave the tentative state (the reference's ip.SettleAddresses). */
export async function settleAddresses(netns: string, ifname: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await ipBatch([line('addr', 'show', 'dev', ifname)], { netns, json: true });
    const addrs = parseLinks(r.outputs[0] ?? [])[0]?.addr_info ?? [];
    const bad = addrs.find((a) => a.dadfailed);
    if (bad) throw new CniError(Code.Internal, `failed to settle addresses for "${ifname}": ${bad.local} failed duplicate address detection`);
    if (!addrs.some((a) => a.family === 'inet6' && a.tentative)) return;
    if (Date.now() > deadline) throw new CniError(Code.Internal, `failed to settle addresses for "${ifname}": addresses still tentative after 5s`);
    await new Promise((r2) => setTimeout(r2, 50));
  }
}
