// sbr plans (main.go doRoutes, doRoutesWithTable, tidyRules): which addresses get a rule, which
// tables are free, and the `ip -4`/`ip -6` batch lines of ADD with their undo, one family per
// process: each family's routes go to that family's tables, never the other's.
import { inCidr, isV4, parseCidr, parseIp, type Cidr, type Family } from '../../shared/host/addr.ts';
import { line, type RouteJson, type RuleJson } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { IpConfig, Result, Route } from '../../shared/cni/result.ts';

/** main.go firstTableID */
export const FIRST_TABLE = 100;
const MAIN = 254;

/** One address of the interface and the gateway its table's default route goes through. */
export interface SbrIp {
  family: Family;
  addr: Cidr;
  /** the address as written in the rule: x/32 or x/128 */
  src: string;
  gateway?: string;
}

/** getIPCfgs: the IPs on `ifname` (or with no interface index), their gateways, and ours for those without (see gatewayOf). */
export function ipsOf(prev: Result, ifname: string): SbrIp[] {
  const ips = prev.ips ?? [];
  if (ips.length === 0) throw new CniError(Code.Internal, `No IP addresses supplied on interface: ${ifname}`);
  const ifaces = prev.interfaces ?? [];
  const mine = ips.filter((ip) => ip.interface === undefined || ip.interface < 0 || ip.interface >= ifaces.length || ifaces[ip.interface]!.name === ifname);
  return mine.map((ip) => {
    const addr = parseCidr(ip.address)!;
    const family: Family = isV4(addr.ip) ? 4 : 6;
    const gateway = ip.gateway ?? gatewayOf(addr, family, prev.routes ?? [], mine);
    return { family, addr, src: `${addr.ip.toString()}/${family === 4 ? 32 : 128}`, ...(gateway ? { gateway } : {}) };
  });
}

/**
 * An address without a gateway of its own (static IPAM, upstream #654) takes the gateway of the
 * result's default route of its family inside its subnet, else that of another address of the
 * interface in the same subnet: its table then still reaches beyond the subnet.
 */
function gatewayOf(addr: Cidr, family: Family, routes: readonly Route[], ips: readonly IpConfig[]): string | undefined {
  const inSubnet = (g: string | undefined) => {
    const ip = g ? parseIp(g) : undefined;
    return ip && inCidr(ip, addr) ? g : undefined;
  };
  const dflt = routes.find((r) => (r.dst === '0.0.0.0/0' || r.dst === '::/0') && isV4(r.dst) === (family === 4) && inSubnet(r.gw));
  if (dflt) return dflt.gw;
  return ips.map((i) => inSubnet(i.gateway)).find((g) => g !== undefined);
}

/** Table ids in use: named by any rule or holding any route, of either family. */
export function usedTables(rules: readonly RuleJson[], routes: readonly RouteJson[]): Set<number> {
  const used = new Set<number>();
  for (const r of rules) if (r.table !== undefined) used.add(Number(r.table));
  // With ip -N a route's table is its number; main-table routes carry none.
  for (const r of routes) used.add(r.table === undefined ? MAIN : Number(r.table));
  return used;
}

export function nextTable(used: ReadonlySet<number>, from: number): number {
  let t = from;
  while (used.has(t)) t++;
  return t;
}

/** A planned batch line, what its failure means, and the line that takes it back. */
export interface Step {
  line: string;
  failure: string;
  undo: string;
}

/** Route tokens that identify a route and rebuild it: dst, gateway, device, protocol, scope, source, metric. */
function routeTokens(r: RouteJson, dev: string): string[] {
  return [
    ...(r.type && r.type !== 'unicast' && r.type !== '1' ? ['type', r.type] : []),
    r.dst,
    ...(r.gateway ? ['via', r.gateway] : []),
    'dev',
    dev,
    ...(r.protocol ? ['proto', r.protocol] : []),
    ...(r.scope ? ['scope', r.scope] : []),
    ...(r.prefsrc ? ['src', r.prefsrc] : []),
    ...(r.metric !== undefined ? ['metric', String(r.metric)] : []),
    ...(r.flags?.includes('onlink') ? ['onlink'] : []),
  ];
}

const isLinkLocal = (dst: string) => /^fe[89ab][0-9a-f]:/i.test(dst);

/** Whether doRoutes copies a route into an address's table: its source or gateway is in the subnet, or it has neither. */
function copies(r: RouteJson, ip: SbrIp): boolean {
  const within = (s: string | undefined) => {
    const a = s ? parseIp(s) : undefined;
    return !!a && inCidr(a, ip.addr);
  };
  return within(r.prefsrc) || within(r.gateway) || (!r.prefsrc && !r.gateway);
}

/**
 * ADD for one family: per address a rule `from <addr> lookup <table>` and a table (from 100 up,
 * unused) holding the default route via its gateway and a copy of each of the interface's main
 * routes that belongs to it; then the interface's routes leave the main table. IPv6 link-local
 * routes stay in main too (the interface's own fe80:: addresses need them; the reference strands
 * them in the IPv4 table).
 */
export function familySteps(ips: readonly SbrIp[], family: Family, mainRoutes: readonly RouteJson[], used: Set<number>, dev: string): Step[] {
  const steps: Step[] = [];
  let table = FIRST_TABLE;
  for (const ip of ips.filter((i) => i.family === family)) {
    table = nextTable(used, table);
    used.add(table);
    steps.push({
      line: line('rule', 'add', 'from', ip.src, 'table', table),
      failure: 'Failed to add rule',
      undo: line('rule', 'del', 'from', ip.src, 'table', table),
    });
    if (ip.gateway) {
      const dflt = family === 4 ? '0.0.0.0/0' : '::/0';
      steps.push({
        line: line('route', 'add', dflt, 'via', ip.gateway, 'dev', dev, 'table', table),
        failure: `Failed to add default route to ${ip.gateway}`,
        undo: line('route', 'del', dflt, 'via', ip.gateway, 'dev', dev, 'table', table),
      });
    }
    for (const r of mainRoutes.filter((x) => copies(x, ip))) {
      const t = routeTokens(r, dev);
      steps.push({ line: line('route', 'replace', ...t, 'table', table), failure: 'Failed to readd route', undo: line('route', 'del', ...t, 'table', table) });
    }
  }
  if (!ips.some((i) => i.family === family)) return steps;
  for (const r of mainRoutes.filter((x) => !isLinkLocal(x.dst))) {
    const t = routeTokens(r, dev);
    steps.push({ line: line('route', 'del', ...t, 'table', MAIN), failure: 'Failed to delete route', undo: line('route', 'add', ...t, 'table', MAIN) });
  }
  return steps;
}

/** doRoutesWithTable: only the rules, into the configured table. */
export const tableSteps = (ips: readonly SbrIp[], family: Family, table: number): Step[] =>
  ips
    .filter((i) => i.family === family)
    .map((ip) => ({
      line: line('rule', 'add', 'from', ip.src, 'table', table),
      failure: 'failed to add rule',
      undo: line('rule', 'del', 'from', ip.src, 'table', table),
    }));

/** The undo lines of the steps that ran (all of them, or those before the failed one), last first. */
export const undoOf = (steps: readonly Step[], ran: number): string[] =>
  steps
    .slice(0, ran)
    .map((s) => s.undo)
    .reverse();

/** tidyRules: the rules (of `table`, when set) whose source is one of the interface's addresses. */
export function staleRules(rules: readonly RuleJson[], addrs: readonly string[], table?: number): string[] {
  const mine = new Set(addrs.map((a) => parseIp(a)?.toString()));
  return rules
    .filter((r) => r.src && r.src !== 'all' && mine.has(parseIp(r.src)?.toString()) && (table === undefined || Number(r.table) === table))
    .map((r) =>
      line(
        'rule',
        'del',
        ...(r.priority !== undefined ? ['priority', r.priority] : []),
        'from',
        `${r.src!}/${r.srclen ?? (r.src!.includes(':') ? 128 : 32)}`,
        'table',
        r.table ?? MAIN,
      ),
    );
}
