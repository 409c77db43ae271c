// Snapshot of host networking state and a noise-free diff, for robustness
// tests asserting "after the failed/cleaned-up operation, the host is exactly
// as before". Take both snapshots inside exclusiveHost() (lock.ts) so other
// test files' plugin runs cannot show up in the diff.

import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { iptablesSaveAll, ipJson, nftRuleset, nsExec, sysctl, type NetnsRef } from './kernel.ts';

export interface HostSnapshot {
  /** ifname → normalised link (no stats/counters) */
  links: Record<string, unknown>;
  /** ifname → sorted "family local/prefixlen scope" strings */
  addrs: Record<string, string[]>;
  /** normalised, sorted route strings, both families, all tables */
  routes: string[];
  /** normalised iptables-save / ip6tables-save lines (counters and comments dropped) */
  iptables: string[];
  ip6tables: string[];
  /** normalised nft ruleset entries (handles and counter values dropped) */
  nft: string[];
  /** path → file contents (or "<dir>", "-> target", "sha256:…" for binary/large) */
  files: Record<string, string>;
  sysctls: Record<string, string>;
  /** With `tc`: normalised `tc -j qdisc show` entries (IFB shaping, ingress qdiscs). */
  qdiscs?: string[];
  /** With `rules`: normalised `ip rule` entries, both families. */
  rules?: string[];
}

export interface SnapshotOptions {
  /** Directories to record recursively (missing ones are recorded as absent). */
  dirs?: string[];
  /** Sysctls to record, e.g. "net.ipv4.ip_forward" (bridge sets it and never resets it). */
  sysctls?: string[];
  /** Snapshot inside a netns instead of the host. */
  netns?: NetnsRef;
  /** Record iptables, ip6tables and nft (default true; false: those sections are empty). */
  firewall?: boolean;
  /** Also record qdiscs (`tc -j qdisc show`). */
  tc?: boolean;
  /** Also record policy routing rules (`ip -4/-6 rule show`). */
  rules?: boolean;
}

const MAX_TEXT = 64 * 1024;

function normLink(l: Record<string, any>): Record<string, unknown> {
  // ifindex/link_index change when a link is recreated but are not "state";
  // operstate flaps with carrier; stats are counters.
  const { ifindex, link_index, stats, stats64, operstate, ...rest } = l;
  void ifindex;
  void link_index;
  void stats;
  void stats64;
  void operstate;
  return sortKeys(rest) as Record<string, unknown>;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function normIptables(text: string): string[] {
  // Prefix every line with its table: the same rule text in nat and filter
  // must not cancel out in the multiset diff.
  const out: string[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    if (raw.startsWith('*')) table = raw.slice(1).trim();
    // ":CHAIN POLICY [pkts:bytes]" → ":CHAIN POLICY"; rules carry "[p:b]" only with -c.
    const line = raw.replace(/\s*\[\d+:\d+\]/g, '').trimEnd();
    out.push(raw.startsWith('*') ? line : `${table}: ${line}`);
  }
  return out;
}

function normNft(rs: { nftables: Array<Record<string, any>> }): string[] {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'handle') continue; // renumbered on re-creation
        if (k === 'counter' && val && typeof val === 'object') {
          o[k] = {};
          continue;
        }
        if (k === 'packets' || k === 'bytes') continue;
        o[k] = strip(val);
      }
      return sortKeys(o);
    }
    return v;
  };
  return rs.nftables.filter((e) => !e.metainfo).map((e) => JSON.stringify(strip(e)));
}

async function walk(path: string, out: Record<string, string>): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) {
    out[path] = `-> ${await readlink(path).catch(() => '?')}`;
  } else if (st.isDirectory()) {
    out[path] = '<dir>';
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const e of entries.sort()) await walk(join(path, e), out);
  } else if (st.isFile()) {
    const buf = await readFile(path).catch(() => Buffer.alloc(0));
    const text = buf.toString('utf8');
    out[path] = buf.length <= MAX_TEXT && !text.includes('\0') ? text : `sha256:${createHash('sha256').update(buf).digest('hex')}`;
  } else {
    out[path] = `<special ${st.mode.toString(8)}>`;
  }
}

export async function snapshotHost(opts: SnapshotOptions = {}): Promise<HostSnapshot> {
  const ns = opts.netns;
  const linkList = await ipJson<Array<Record<string, any>>>(['link', 'show'], ns);
  const addrList = await ipJson<Array<{ ifname: string; addr_info?: Array<Record<string, any>> }>>(['addr', 'show'], ns);
  const routeList: string[] = [];
  for (const fam of ['-4', '-6']) {
    for (const r of await ipJson<Array<Record<string, any>>>([fam, 'route', 'show', 'table', 'all'], ns)) {
      const { expires, ...rest } = r; // RA-learnt routes count down
      void expires;
      routeList.push(`${fam} ${JSON.stringify(sortKeys(rest))}`);
    }
  }
  const files: Record<string, string> = {};
  for (const d of opts.dirs ?? []) await walk(d, files);
  const sysctls: Record<string, string> = {};
  for (const s of opts.sysctls ?? []) sysctls[s] = await sysctl(s, ns).catch((e: Error) => `<error ${e.message}>`);

  const fw = opts.firewall ?? true;
  const extra: Pick<HostSnapshot, 'qdiscs' | 'rules'> = {};
  if (opts.tc) {
    const r = await nsExec(ns, 'tc', ['-j', 'qdisc', 'show']);
    if (r.code !== 0) throw new Error(`tc qdisc show failed: ${r.stderr.trim()}`);
    const out = r.stdout.trim();
    // refcnt counts the kernel's own references (queues, filters): not state.
    extra.qdiscs = (out ? (JSON.parse(out) as Array<Record<string, unknown>>) : []).map((q) => JSON.stringify(sortKeys({ ...q, refcnt: undefined }))).sort();
  }
  if (opts.rules) {
    const all = await Promise.all(
      ['-4', '-6'].map(async (fam) => (await ipJson<unknown[]>([fam, 'rule', 'show'], ns)).map((r) => `${fam} ${JSON.stringify(sortKeys(r))}`)),
    );
    extra.rules = all.flat().sort();
  }
  return {
    ...extra,
    links: Object.fromEntries(linkList.map((l) => [l.ifname as string, normLink(l)])),
    addrs: Object.fromEntries(
      addrList.map((l) => [l.ifname, (l.addr_info ?? []).map((a) => `${a.family} ${a.local}/${a.prefixlen} ${a.scope ?? ''}`.trim()).sort()]),
    ),
    routes: routeList.sort(),
    iptables: fw ? normIptables(await iptablesSaveAll(false, ns)) : [],
    ip6tables: fw ? normIptables(await iptablesSaveAll(true, ns)) : [],
    nft: fw ? normNft(await nftRuleset(ns)) : [],
    files,
    sysctls,
  };
}

export interface DiffOptions {
  /** Drop links (and their addrs) whose name matches, e.g. interfaces owned by another test. */
  ignoreLink?: (ifname: string) => boolean;
  /** Drop any line/entry (routes, iptables, nft, files) for which this returns true. */
  ignore?: (section: keyof HostSnapshot, entry: string) => boolean;
  /**
   * Keep only entries for which this returns true (for "links"/"addrs" the
   * entry is the ifname). Use it to scope the comparison to one test's
   * objects when mutators outside the harness lock may run concurrently.
   */
  only?: (section: keyof HostSnapshot, entry: string) => boolean;
  /**
   * Also report iptables-nft's lazily created, empty scaffolding (tables,
   * base chains with policy accept). Off by default: iptables-nft creates a
   * table/base chain the first time anything touches it and nothing ever
   * removes it, so it says nothing about whether a plugin cleaned up.
   */
  keepLazyScaffolding?: boolean;
}

const XT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
const XT_FAMILIES = new Set(['ip', 'ip6']);
const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

function isLazyScaffolding(section: keyof HostSnapshot, entry: string): boolean {
  if (section === 'iptables' || section === 'ip6tables') {
    if (entry.startsWith('*') || entry.endsWith(': COMMIT')) return true;
    const m = /^\S+: :(\S+) (\S+)$/.exec(entry);
    return !!m && BUILTIN_CHAINS.has(m[1]!) && m[2] === 'ACCEPT';
  }
  if (section === 'nft') {
    let o: Record<string, any>;
    try {
      o = JSON.parse(entry);
    } catch {
      return false;
    }
    if (o.table) return XT_FAMILIES.has(o.table.family) && XT_TABLES.has(o.table.name);
    if (o.chain) {
      const c = o.chain;
      return XT_FAMILIES.has(c.family) && XT_TABLES.has(c.table) && BUILTIN_CHAINS.has(c.name) && c.hook !== undefined && c.policy === 'accept';
    }
  }
  return false;
}

function diffLists(section: keyof HostSnapshot, a: string[], b: string[], out: string[], ign: DiffOptions['ignore']): void {
  // Multiset difference: order changes inside a table are reported too, via
  // the iptables sections being compared as sequences below.
  const count = new Map<string, number>();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  for (const x of b) count.set(x, (count.get(x) ?? 0) - 1);
  for (const [x, n] of count) {
    if (n === 0 || ign?.(section, x)) continue;
    out.push(`${section}: ${n > 0 ? '-' : '+'} ${x}${Math.abs(n) > 1 ? ` (x${Math.abs(n)})` : ''}`);
  }
}

/**
 * Human-readable differences between two snapshots ("- " = only before,
 * "+ " = only after); [] means identical modulo counters, handles, ifindexes,
 * operstate and address/route lifetimes.
 */
export function diffHostState(before: HostSnapshot, after: HostSnapshot, options: DiffOptions = {}): string[] {
  const { ignore: userIgnore, ignoreLink: userIgnoreLink, only } = options;
  const opts: DiffOptions = {
    ...options,
    ignore: (sec, entry) =>
      (!options.keepLazyScaffolding && isLazyScaffolding(sec, entry)) || (userIgnore?.(sec, entry) ?? false) || (only !== undefined && !only(sec, entry)),
  };
  const ignLink = (n: string) => (userIgnoreLink?.(n) ?? false) || (only !== undefined && !only('links', n));
  const out: string[] = [];
  const names = new Set([...Object.keys(before.links), ...Object.keys(after.links)]);
  for (const n of [...names].sort()) {
    if (ignLink(n)) continue;
    const a = before.links[n];
    const b = after.links[n];
    if (a === undefined) out.push(`links: + ${n} ${JSON.stringify(b)}`);
    else if (b === undefined) out.push(`links: - ${n} ${JSON.stringify(a)}`);
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`links: ~ ${n} ${JSON.stringify(a)} => ${JSON.stringify(b)}`);
    const aa = before.addrs[n] ?? [];
    const ba = after.addrs[n] ?? [];
    if (JSON.stringify(aa) !== JSON.stringify(ba)) out.push(`addrs: ~ ${n} [${aa.join(', ')}] => [${ba.join(', ')}]`);
  }
  const routeIgnored = (r: string) => {
    const m = /"dev":"([^"]+)"/.exec(r);
    return m ? ignLink(m[1]!) : false;
  };
  diffLists(
    'routes',
    before.routes.filter((r) => !routeIgnored(r)),
    after.routes.filter((r) => !routeIgnored(r)),
    out,
    opts.ignore,
  );
  for (const sec of ['iptables', 'ip6tables'] as const) {
    const a = before[sec].filter((l) => !opts.ignore?.(sec, l));
    const b = after[sec].filter((l) => !opts.ignore?.(sec, l));
    diffLists(sec, a, b, out, undefined);
    // Same rules in a different order is still a different firewall.
    if (out.every((l) => !l.startsWith(`${sec}:`)) && a.join('\n') !== b.join('\n')) out.push(`${sec}: rule order changed`);
  }
  diffLists('nft', before.nft, after.nft, out, opts.ignore);
  for (const sec of ['qdiscs', 'rules'] as const) if (before[sec] || after[sec]) diffLists(sec, before[sec] ?? [], after[sec] ?? [], out, opts.ignore);
  const files = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
  for (const f of [...files].sort()) {
    if (opts.ignore?.('files', f)) continue;
    const a = before.files[f];
    const b = after.files[f];
    if (a === b) continue;
    if (a === undefined) out.push(`files: + ${f}`);
    else if (b === undefined) out.push(`files: - ${f}`);
    else out.push(`files: ~ ${f} ${JSON.stringify(a.slice(0, 200))} => ${JSON.stringify(b.slice(0, 200))}`);
  }
  for (const k of new Set([...Object.keys(before.sysctls), ...Object.keys(after.sysctls)])) {
    if (before.sysctls[k] !== after.sysctls[k]) out.push(`sysctls: ~ ${k} ${before.sysctls[k]} => ${after.sysctls[k]}`);
  }
  return out;
}
