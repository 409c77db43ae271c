// vrf plans (vrf.go findVRF, createVRF, addInterface, findFreeRoutingTableID, resetMaster): what
// ADD does with the VRF and the interface, decided from one read of the links before anything
// changes, and the lines that make it so.
import { line, type Link, type RouteJson } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';

/** A link's VRF table, when it is a VRF. */
export const vrfTable = (l: Link): number | undefined =>
  l.linkinfo?.info_kind === 'vrf' ? Number((l.linkinfo.info_data as { table?: number } | undefined)?.table ?? 0) : undefined;

/** findFreeRoutingTableID: the lowest table id from 1 that no VRF uses. */
export function freeTable(links: readonly Link[]): number {
  const taken = new Set(links.map(vrfTable).filter((t) => t !== undefined));
  let t = 1;
  while (taken.has(t)) t++;
  return t;
}

export interface AddDecision {
  /** create the VRF with this table, or reuse the existing one with this table */
  create: boolean;
  table: number;
}

/**
 * cmdAdd's checks, all before anything changes: an existing link of that name must be a VRF with
 * the configured table (when one is configured); the interface must exist and have no master.
 */
export function decideAdd(links: readonly Link[], vrfname: string, table: number, ifname: string): AddDecision {
  const existing = links.find((l) => l.ifname === vrfname);
  const iface = links.find((l) => l.ifname === ifname);
  if (!iface) throw new CniError(Code.Internal, `cmdAdd failed: could not get link by name ${ifname}`);
  if (iface.master !== undefined) throw new CniError(Code.Internal, `cmdAdd failed: interface ${ifname} has already a master set: ${iface.master}`);
  if (!existing) return { create: true, table: table || freeTable(links) };
  const t = vrfTable(existing);
  if (t === undefined) throw new CniError(Code.Internal, `cmdAdd failed: Netlink ${vrfname} is not a VRF`);
  if (table !== 0 && t !== table) throw new CniError(Code.Internal, `cmdAdd failed: VRF ${vrfname} already exist with different routing table ${t}`);
  return { create: false, table: t };
}

/** The VRF (when new), up, then the interface enslaved to it; each with what undoes it. */
export function enslaveSteps(d: AddDecision, vrfname: string, ifname: string) {
  return [
    ...(d.create
      ? [
          { line: line('link', 'add', vrfname, 'type', 'vrf', 'table', d.table), failure: `could not add VRF ${vrfname}`, undo: line('link', 'del', vrfname) },
          { line: line('link', 'set', vrfname, 'up'), failure: `could not set link up for VRF ${vrfname}`, undo: '' },
        ]
      : []),
    {
      line: line('link', 'set', ifname, 'master', vrfname),
      failure: `could not set vrf ${vrfname} as master of ${ifname}`,
      undo: line('link', 'set', ifname, 'nomaster'),
    },
  ];
}

/** The global IPv6 addresses (as `addr/len`) enslavement dropped: those before and not after. */
export const droppedAddrs = (before: readonly string[], after: readonly string[]): string[] => before.filter((a) => !after.includes(a));

/** The interface's universe-scope routes of the main table, moved into the VRF's (RouteReplace). */
export function routeLines(routes: readonly RouteJson[], ifname: string, table: number): string[] {
  return routes
    .filter((r) => !r.scope || r.scope === 'global' || r.scope === '0')
    .map((r) =>
      line(
        'route',
        'replace',
        r.dst,
        ...(r.gateway ? ['via', r.gateway] : []),
        'dev',
        ifname,
        ...(r.protocol ? ['proto', r.protocol] : []),
        ...(r.metric !== undefined ? ['metric', String(r.metric)] : []),
        'table',
        table,
      ),
    );
}

/** A /128 local route per re-added address in the VRF's table: the kernel has taken the address back. */
export const addrsSettled = (addrs: readonly string[], vrfRoutes: readonly RouteJson[]): boolean =>
  addrs.every((a) => vrfRoutes.some((r) => r.dst === a.split('/')[0] || r.dst === `${a.split('/')[0]}/128`));

export interface DelDecision {
  nomaster: boolean;
  deleteVrf: boolean;
}

/**
 * cmdDel: nothing when the VRF is gone; release the interface when the VRF is its master; delete
 * the VRF when no member is left.
 */
export function decideDel(links: readonly Link[], vrfname: string, ifname: string): DelDecision | undefined {
  const vrf = links.find((l) => l.ifname === vrfname && vrfTable(l) !== undefined);
  if (!vrf) return undefined;
  const iface = links.find((l) => l.ifname === ifname);
  const nomaster = iface?.master === vrfname;
  const others = links.filter((l) => l.master === vrfname && l.ifname !== ifname);
  return { nomaster, deleteVrf: others.length === 0 };
}

export const delLines = (d: DelDecision, vrfname: string, ifname: string): string[] => [
  ...(d.nomaster ? [line('link', 'set', ifname, 'nomaster')] : []),
  ...(d.deleteVrf ? [line('link', 'del', vrfname)] : []),
];
