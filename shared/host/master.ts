// The parent (master) of a container's macvlan, ipvlan or vlan link: named in the config, or the
// interface of the default route (the reference's getDefaultRouteInterfaceName, in the namespace
// where the link is made: the host's, or the container's with linkInContainer), and its MTU when
// the config's MTU must be checked against it (containernetworking/plugins
// `plugins/main/macvlan/macvlan.go` loadConf). One `ip -j -batch` answers each question.
import { CniError, Code } from '../cni/errors.ts';
import { saysNotFound } from './exec.ts';
import { masterNotFound } from './container-link.ts';
import { batchFailure, ipBatch, line, parseLinks, parseRoutes, type RouteJson } from './iproute2.ts';

export interface MasterSpec {
  /** The configured master; '' = the default route's interface. */
  master: string;
  /** The container namespace (where the master is looked up with linkInContainer). */
  netns: string;
  inContainer: boolean;
}

export interface Master {
  name: string;
  /** Only when asked for. */
  mtu?: number;
}

/**
 * The first default route's device, as the reference takes the first route of the main table
 * with a zero destination. A multipath default route has no single device: its first hop's.
 */
export function defaultRouteDev(routes: readonly RouteJson[]): string | undefined {
  for (const r of routes) {
    if (r.dst !== 'default' && r.dst !== '0.0.0.0/0' && r.dst !== '::/0') continue;
    if (r.table !== undefined && r.table !== 'main' && r.table !== 254) continue;
    const dev = r.dev ?? (r as { nexthops?: Array<{ dev?: string }> }).nexthops?.find((h) => h.dev)?.dev;
    if (dev) return dev;
  }
  return undefined;
}

const where = (s: MasterSpec) => (s.inContainer ? { netns: s.netns } : {});

async function defaultRouteIface(s: MasterSpec): Promise<string> {
  // IPv4 first, as the reference's dump lists it; IPv6 only when there is no IPv4 default.
  for (const family of [4, 6] as const) {
    const r = await ipBatch([line('route', 'show', 'default')], { json: true, allowFail: true, family, ...where(s) });
    if (r.exitCode !== 0) throw new CniError(Code.Internal, `failed to list routes: ${r.stderr.trim()}`);
    const dev = defaultRouteDev(parseRoutes(r.outputs[0] ?? []));
    if (dev) return dev;
  }
  throw new CniError(Code.Internal, 'master: none configured and no default route interface found');
}

/** The master's name (and MTU when `withMtu`): a configured one is not looked up unless its MTU is needed (creating the link checks it exists). */
export async function resolveMaster(s: MasterSpec, withMtu: boolean): Promise<Master> {
  const name = s.master !== '' ? s.master : await defaultRouteIface(s);
  if (!withMtu) return { name };
  const r = await ipBatch([line('link', 'show', 'dev', name)], { json: true, allowFail: true, ...where(s) });
  if (r.exitCode !== 0) {
    if (saysNotFound(r)) throw masterNotFound(name, s.netns, s.inContainer);
    throw new CniError(Code.Internal, `failed to lookup master "${name}": ${batchFailure(r.stderr).message}`);
  }
  const link = parseLinks(r.outputs[0] ?? [])[0];
  if (!link) throw masterNotFound(name, s.netns, s.inContainer);
  return { name, ...(link.mtu !== undefined ? { mtu: link.mtu } : {}) };
}

/** The reference's MTU rule (macvlan's and vlan's loadConf), where the master's MTU was looked up: [0, master MTU], the master named. */
export function checkMtu(mtu: number, master: Master): void {
  if (master.mtu !== undefined && mtu > master.mtu)
    throw new CniError(Code.InvalidNetworkConfig, `mtu: invalid MTU ${mtu}, must be [0, master MTU(${master.mtu})] (master "${master.name}")`);
}
