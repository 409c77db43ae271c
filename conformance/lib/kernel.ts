// Read kernel state as JSON (iproute2 `-j`, nft `-j`) from the host or from a
// test network namespace. A netns is given either by name (`ip -n NAME`) or by
// path (/var/run/netns/x, /proc/PID/ns/net → nsenter --net=PATH).

import { readFile } from 'node:fs/promises';
import { must, run, type ExecResult } from './exec.ts';

export type NetnsRef = string | undefined;

/** Run `file args` inside netns (or on the host if netns is undefined). */
export async function nsExec(netns: NetnsRef, file: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  if (netns === undefined) return run(file, args, opts);
  return run('nsenter', [`--net=${nsPath(netns)}`, '--', file, ...args], opts);
}

/** Absolute path for a netns name or path. */
export function nsPath(netns: string): string {
  return netns.includes('/') ? netns : `/var/run/netns/${netns}`;
}

/** `ip -j <args>` parsed; empty output (nothing matched) yields []. */
export async function ipJson<T = any>(args: readonly string[], netns?: NetnsRef): Promise<T> {
  const out =
    netns === undefined
      ? await must('ip', ['-j', ...args])
      : netns.includes('/')
        ? await must('nsenter', [`--net=${netns}`, '--', 'ip', '-j', ...args])
        : await must('ip', ['-n', netns, '-j', ...args]);
  const text = out.trim();
  return (text === '' ? [] : JSON.parse(text)) as T;
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate?: string;
  address?: string;
  master?: string;
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
  [k: string]: unknown;
}

/** All links with details (`ip -j -d link show`), so linkinfo.info_kind is present. */
export async function links(netns?: NetnsRef): Promise<IpLink[]> {
  return ipJson<IpLink[]>(['-d', 'link', 'show'], netns);
}

/** One link by name, or undefined if it does not exist. */
export async function link(ifname: string, netns?: NetnsRef): Promise<IpLink | undefined> {
  return (await links(netns)).find((l) => l.ifname === ifname);
}

export function isUp(l: IpLink | undefined): boolean {
  return !!l && l.flags.includes('UP');
}

export interface IpAddr {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string;
  broadcast?: string;
  dynamic?: boolean;
  [k: string]: unknown;
}

/** The addresses configured on ifname (addr_info of `ip -j addr show dev`); [] if the link is gone. */
export async function addrs(ifname: string, netns?: NetnsRef): Promise<IpAddr[]> {
  const lks = await ipJson<Array<{ ifname: string; addr_info?: IpAddr[] }>>(['addr', 'show'], netns);
  return lks.find((l) => l.ifname === ifname)?.addr_info ?? [];
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  table?: string;
  type?: string;
  flags?: string[];
  [k: string]: unknown;
}

/** Routes of one family (default: both) in a table (default: main). */
export async function routes(netns?: NetnsRef, family?: 4 | 6, table: string = 'main'): Promise<IpRoute[]> {
  const fams = family === undefined ? [4, 6] : [family];
  const out: IpRoute[] = [];
  for (const f of fams) {
    out.push(...(await ipJson<IpRoute[]>([`-${f}`, 'route', 'show', 'table', table], netns)));
  }
  return out;
}

/**
 * Read a sysctl, `net.ipv4.ip_forward` or `net/ipv4/ip_forward` style.
 * /proc/sys/net reflects the reader's netns, so inside a netns we read via nsenter.
 */
export async function sysctl(path: string, netns?: NetnsRef): Promise<string> {
  const file = `/proc/sys/${path.includes('/') ? path.replace(/^\/?(proc\/sys\/)?/, '') : path.replaceAll('.', '/')}`;
  if (netns === undefined) return (await readFile(file, 'utf8')).trim();
  return (await mustNs(netns, 'cat', [file])).trim();
}

async function mustNs(netns: string, file: string, args: string[]): Promise<string> {
  const r = await nsExec(netns, file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} in ${netns} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `iptables-save -t table` (or ip6tables-save) text; "" when the table is not loaded. */
export async function iptablesSave(table: string = 'filter', v6 = false, netns?: NetnsRef): Promise<string> {
  const r = await nsExec(netns, v6 ? 'ip6tables-save' : 'iptables-save', ['-t', table]);
  // Unknown/unloaded tables make iptables-save complain; treat as empty.
  return r.code === 0 ? r.stdout : '';
}

/** All tables, as iptables-save prints them with no -t (only tables that exist). */
export async function iptablesSaveAll(v6 = false, netns?: NetnsRef): Promise<string> {
  const r = await nsExec(netns, v6 ? 'ip6tables-save' : 'iptables-save', []);
  return r.code === 0 ? r.stdout : '';
}

export interface IptablesTable {
  table: string;
  /** chain name → policy ("-" for user chains) */
  chains: Map<string, string>;
  /** rule lines exactly as printed, e.g. `-A POSTROUTING -s 10.0.0.0/24 … -j CNI-abc` */
  rules: string[];
}

/** Parse iptables-save output into tables (counters dropped). */
export function parseIptablesSave(text: string): IptablesTable[] {
  const tables: IptablesTable[] = [];
  let cur: IptablesTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { table: line.slice(1).trim(), chains: new Map(), rules: [] };
      tables.push(cur);
    } else if (!cur || line.startsWith('#') || line === 'COMMIT' || line.trim() === '') {
    } else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      cur.chains.set(name!, policy ?? '-');
    } else if (line.startsWith('-A ')) {
      cur.rules.push(line.trimEnd());
    }
  }
  return tables;
}

/** Chain and jump target of a saved rule line (`-A CHAIN … -j|-g TARGET`). */
export function ruleChainAndTarget(rule: string): { chain: string; target?: string } {
  const chain = rule.split(/\s+/)[1] ?? '';
  const m = / -[jg] (\S+)/.exec(rule);
  return { chain, target: m?.[1] };
}

/** `nft -j list ruleset` parsed ({ nftables: [...] }). */
export async function nftRuleset(netns?: NetnsRef): Promise<{ nftables: Array<Record<string, any>> }> {
  const r = await nsExec(netns, 'nft', ['-j', 'list', 'ruleset']);
  if (r.code !== 0) throw new Error(`nft -j list ruleset failed: ${r.stderr.trim()}`);
  const text = r.stdout.trim();
  return text === '' ? { nftables: [] } : JSON.parse(text);
}

/** Rules (by comment) and chains (by name) that `match` picks, in tables shared with other users. */
export async function nftObjectsMatching(
  match: (s: string) => boolean,
  netns?: NetnsRef,
): Promise<{
  rules: Array<{ family: string; table: string; chain: string; handle: number; comment: string }>;
  chains: Array<{ family: string; table: string; name: string }>;
}> {
  const rs = await nftRuleset(netns);
  const rules = rs.nftables
    .filter((o) => o.rule && typeof o.rule.comment === 'string' && match(o.rule.comment))
    .map((o) => ({ family: o.rule.family, table: o.rule.table, chain: o.rule.chain, handle: o.rule.handle, comment: o.rule.comment }));
  const chains = rs.nftables.filter((o) => o.chain && match(o.chain.name)).map((o) => ({ family: o.chain.family, table: o.chain.table, name: o.chain.name }));
  return { rules, chains };
}

/** nft tables as {family, name}. */
export async function nftTables(netns?: NetnsRef): Promise<Array<{ family: string; name: string }>> {
  const rs = await nftRuleset(netns);
  return rs.nftables.filter((o) => o.table).map((o) => ({ family: o.table.family, name: o.table.name }));
}
