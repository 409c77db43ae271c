// Pure planning for the nftables backend (containernetworking/plugins `plugins/meta/portmap/portmap_nftables.go`): the reference's tables and chains, with rules
// keyed by network AND container in their comment so networks never delete each other's rules.
import { hashWithPrefix } from '../../shared/host/hash.ts';
import { nftString } from '../../shared/host/nftables.ts';
import { mappingsFor } from './iptables-plan.ts';
import { specificHostIp, type ContainerIp, type PortmapConf } from './config.ts';
import type { Family } from '../../shared/host/addr.ts';

export const TABLE = 'cni_hostport';
/** Chains that hold per-container rules (hostip_hostports only in old layouts). */
export const RULE_CHAINS = ['hostports', 'hostip_hostports', 'masquerading'] as const;
const COMMENT_MAX = 128; // nft's limit for rule comments

export const nftFamily = (f: Family) => (f === 4 ? 'ip' : 'ip6');

/** `<net>/` — or a hash of the network name when it is too long to leave room for the container. */
export function netKey(net: string): string {
  return net.length <= 63 ? `${net}/` : `${hashWithPrefix(17, '#', net)}/`;
}

/** The rule comment: `<net>/<cid>`, hashed parts only when it would exceed nft's 128 characters. */
export function ruleComment(net: string, cid: string): string {
  const k = netKey(net);
  return k.length + cid.length <= COMMENT_MAX ? k + cid : k + hashWithPrefix(33, '#', cid);
}

/** Setup shared by all containers of a family: idempotent adds, base chains re-filled. */
export function planSetup(conf: PortmapConf, family: Family): string[] {
  const t = `${nftFamily(family)} ${TABLE}`;
  const conds = ((family === 4 ? conf.conditionsV4 : conf.conditionsV6) ?? []).join(' ');
  const pre = conds ? `${conds} ` : '';
  const lines = [
    `add table ${t} { comment "CNI portmap plugin" ; }`,
    `add chain ${t} hostports`,
    `add chain ${t} hostip_hostports`,
    `add chain ${t} hostports_all`,
    `flush chain ${t} hostports_all`,
    `add rule ${t} hostports_all jump hostip_hostports`,
    `add rule ${t} hostports_all jump hostports`,
    `add chain ${t} prerouting { type nat hook prerouting priority -100 ; }`,
    `flush chain ${t} prerouting`,
    `add rule ${t} prerouting ${pre}fib daddr type local jump hostports_all`,
    `add chain ${t} output { type nat hook output priority -100 ; }`,
    `flush chain ${t} output`,
    `add rule ${t} output ${pre}fib daddr type local jump hostports_all`,
  ];
  if (conf.snat) lines.push(`add chain ${t} masquerading { type nat hook postrouting priority 100 ; }`);
  return lines;
}

/** This container's rules for one family. */
export function planRules(conf: PortmapConf, cid: string, cip: ContainerIp): string[] {
  const fam = nftFamily(cip.family);
  const t = `${fam} ${TABLE}`;
  const comment = nftString(ruleComment(conf.name, cid));
  const lines: string[] = [];
  for (const m of mappingsFor(conf.mappings, cip.family)) {
    const dst = specificHostIp(m.hostIP);
    const d = dst ? `${fam} daddr ${dst} ` : '';
    const to = cip.family === 4 ? `${cip.ip}:${m.containerPort}` : `[${cip.ip}]:${m.containerPort}`;
    lines.push(`add rule ${t} hostports ${d}${m.protocol.toLowerCase()} dport ${m.hostPort} dnat to ${to} comment ${comment}`);
  }
  if (conf.snat) {
    const any = cip.family === 4 ? '0.0.0.0/0' : '::/0';
    lines.push(`add rule ${t} masquerading ${fam} saddr ${conf.masqAll ? any : cip.ip} ${fam} daddr ${cip.ip} masquerade comment ${comment}`);
    if (cip.family === 4 && !conf.masqAll) {
      lines.push(`add rule ${t} masquerading ip saddr 127.0.0.1 ip daddr ${cip.ip} masquerade comment ${comment}`);
    }
  }
  return lines;
}

export function planAdd(conf: PortmapConf, cid: string, cips: readonly ContainerIp[]): string {
  return `${cips.flatMap((c) => [...planSetup(conf, c.family), ...planRules(conf, cid, c)]).join('\n')}\n`;
}

/** A rule of a cni_hostport table as `nft -j list` shows it. */
export interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  comment?: string;
  expr?: unknown[];
}

/** Rules of the ip/ip6 cni_hostport tables in an `nft -j list ruleset` answer. */
export function portmapRules(items: Array<Record<string, unknown>>): NftRule[] {
  const out: NftRule[] = [];
  for (const it of items) {
    const r = it.rule as NftRule | undefined;
    if (!r || r.table !== TABLE || (r.family !== 'ip' && r.family !== 'ip6')) continue;
    if (!(RULE_CHAINS as readonly string[]).includes(r.chain)) continue;
    out.push(r);
  }
  return out;
}

export const deleteLine = (r: NftRule) => `delete rule ${r.family} ${TABLE} ${r.chain} handle ${Number(r.handle)}`;

/** UDP dports matched by a rule (from its JSON expression). */
export function udpDport(r: NftRule): number | undefined {
  for (const e of r.expr ?? []) {
    const m = (e as { match?: { left?: { payload?: { protocol?: string; field?: string } }; right?: unknown } }).match;
    const p = m?.left?.payload;
    if (p?.protocol === 'udp' && p.field === 'dport' && typeof m?.right === 'number') return m.right;
  }
  return undefined;
}

/** Rules to delete for GC: this network's rules whose comment names no kept attachment. */
export function gcRules(rules: readonly NftRule[], net: string, keep: readonly string[]): NftRule[] {
  const kept = new Set(keep.map((cid) => ruleComment(net, cid)));
  return rules.filter((r) => r.comment?.startsWith(netKey(net)) && !kept.has(r.comment));
}

/** CHECK: the reference's counts, on our comment. */
export function checkProblem(conf: PortmapConf, cid: string, cip: ContainerIp, rules: readonly NftRule[]): string | undefined {
  const c = ruleComment(conf.name, cid);
  const fam = nftFamily(cip.family);
  const mine = rules.filter((r) => r.family === fam && r.comment === c);
  const want = mappingsFor(conf.mappings, cip.family).length;
  if (mine.filter((r) => r.chain === 'hostports').length < want) return 'missing hostport rules in "hostports" chain';
  if (conf.snat) {
    const wantMasq = cip.family === 4 && !conf.masqAll ? 2 : 1;
    if (mine.filter((r) => r.chain === 'masquerading').length < wantMasq) return 'missing masquerade rules in "masquerading" chain';
  }
  return undefined;
}
