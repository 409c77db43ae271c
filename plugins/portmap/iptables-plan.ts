// Pure planning for the iptables backend (containernetworking/plugins `plugins/meta/portmap/portmap_iptables.go`): the reference's chains, rule shapes and
// hash-named per-container chain, written in iptables-save's own canonical form so that CHECK and
// tests can compare saved lines directly, and turned into one iptables-restore --noflush script.
import { networkCidr, type Family } from '../../shared/host/addr.ts';
import { hashWithPrefix } from '../../shared/host/hash.ts';
import { quote, type TableDump } from '../../shared/host/iptables.ts';
import { jumpsInto, removeChains, ruleChain, ruleTarget, toDelete } from '../../shared/host/iptables-rules.ts';
import { hostIpFamily, specificHostIp, type ContainerIp, type PortMapping, type PortmapConf } from './config.ts';

export const TOP_DNAT = 'CNI-HOSTPORT-DNAT';
export const SETMARK = 'CNI-HOSTPORT-SETMARK';
export const MASQ = 'CNI-HOSTPORT-MASQ';
const MULTIPORT_MAX = 15;

export const dnChain = (net: string, cid: string): string => hashWithPrefix(28, 'CNI-DN-', net + cid);
export const snChain = (net: string, cid: string): string => hashWithPrefix(28, 'CNI-SN-', net + cid);

/** The entry rules' comment; iptables limits comments to 255 characters. */
export function entryComment(net: string, cid: string): string {
  const c = `dnat name: "${net}" id: "${cid}"`;
  return c.length <= 255 ? c : `${c.slice(0, 253)}...`;
}

export const markValue = (bit: number): string => {
  const v = `0x${(2 ** bit).toString(16)}`;
  return `${v}/${v}`;
};

/** Rules of the shared chains, keyed so ADD only adds what is missing. */
export function topRules(bit: number) {
  const mark = markValue(bit);
  return {
    prerouting: `-A PREROUTING -m addrtype --dst-type LOCAL -j ${TOP_DNAT}`,
    output: `-A OUTPUT -m addrtype --dst-type LOCAL -j ${TOP_DNAT}`,
    postrouting: `-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j ${MASQ}`,
    masq: `-A ${MASQ} -m mark --mark ${mark} -j MASQUERADE`,
    setmark: `-A ${SETMARK} -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${mark}`,
  };
}

/** An address or CIDR as iptables-save prints a `-s`/`-d` operand: network address and prefix. */
export const saveCidr: (addrOrCidr: string) => string = networkCidr;

const proto = (m: PortMapping) => m.protocol.toLowerCase();

/** Mappings that apply to a family: hostIP of the other family is skipped. */
export const mappingsFor = (ms: readonly PortMapping[], family: Family) =>
  ms.filter((m) => {
    const f = hostIpFamily(m.hostIP);
    return f === undefined || f === family;
  });

/** The per-container DNAT chain's rules, in order (fillDnatRules in containernetworking/plugins `plugins/meta/portmap/portmap_iptables.go`). */
export function dnRules(conf: PortmapConf, cid: string, cip: ContainerIp): string[] {
  const chain = dnChain(conf.name, cid);
  const setMark = conf.externalSetMarkChain ?? SETMARK;
  const out: string[] = [];
  for (const m of mappingsFor(conf.mappings, cip.family)) {
    const dst = specificHostIp(m.hostIP);
    const match = `-p ${proto(m)} -m ${proto(m)} --dport ${m.hostPort}`;
    const d = dst ? `-d ${saveCidr(dst)} ` : '';
    if (conf.snat) {
      // masqAll matches every source: iptables-save drops `-s 0.0.0.0/0` (`::/0`) altogether.
      const src = conf.masqAll ? '' : `-s ${saveCidr(cip.cidr)} `;
      out.push(`-A ${chain} ${src}${d}${match} -j ${setMark}`);
      if (cip.family === 4 && !conf.masqAll) out.push(`-A ${chain} -s 127.0.0.1/32 ${d}${match} -j ${setMark}`);
    }
    const to = cip.family === 4 ? `${cip.ip}:${m.containerPort}` : `[${cip.ip}]:${m.containerPort}`;
    out.push(`-A ${chain} ${d}${match} -j DNAT --to-destination ${to}`);
  }
  return out;
}

/** Entry rules in CNI-HOSTPORT-DNAT: per protocol (sorted), ports in input order, 15 per rule. */
export function entryRules(conf: PortmapConf, cid: string, family: Family): string[] {
  const chain = dnChain(conf.name, cid);
  const byProto = new Map<string, number[]>();
  for (const m of conf.mappings) byProto.set(proto(m), [...(byProto.get(proto(m)) ?? []), m.hostPort]);
  const conds = (family === 4 ? conf.conditionsV4 : conf.conditionsV6) ?? [];
  const condStr = conds.length ? ` ${conds.map(quote).join(' ')}` : '';
  const comment = quote(entryComment(conf.name, cid));
  const out: string[] = [];
  for (const p of [...byProto.keys()].sort()) {
    const ports = byProto.get(p)!;
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      out.push(
        `-A ${TOP_DNAT} -p ${p} -m comment --comment ${comment} -m multiport --dports ${ports.slice(i, i + MULTIPORT_MAX).join(',')}${condStr} -j ${chain}`,
      );
    }
  }
  return out;
}

/** Lines that create the shared chains and jumps that are missing (each -N fails on a race). */
export function planTop(conf: PortmapConf, dump: TableDump): string[] {
  const t = topRules(conf.markMasqBit);
  const lines: string[] = [];
  const has = (r: string) => dump.rules.includes(r);
  if (conf.snat && conf.externalSetMarkChain === undefined) {
    if (!dump.chains.has(SETMARK)) lines.push(`-N ${SETMARK}`);
    if (!has(t.setmark)) lines.push(t.setmark);
    if (!dump.chains.has(MASQ)) lines.push(`-N ${MASQ}`);
    if (!has(t.masq)) lines.push(t.masq);
    // Inserted first so it precedes the bridge's masquerade jumps.
    if (!has(t.postrouting)) lines.push(`-I${t.postrouting.slice(2).replace(/^ POSTROUTING/, ' POSTROUTING 1')}`);
  }
  if (!dump.chains.has(TOP_DNAT)) lines.push(`-N ${TOP_DNAT}`);
  if (!has(t.prerouting)) lines.push(t.prerouting);
  if (!has(t.output)) lines.push(t.output);
  return lines;
}

/** The whole ADD for one family: shared setup, a fresh per-container chain, its entry rules. */
export function planAdd(conf: PortmapConf, cid: string, cip: ContainerIp, dump: TableDump): string[] {
  const chain = dnChain(conf.name, cid);
  const lines = planTop(conf, dump);
  if (dump.chains.has(chain)) {
    // A repeated ADD replaces the container's rules instead of doubling them.
    lines.push(...jumpsInto(dump, new Set([chain])).map(toDelete), `-F ${chain}`);
  } else {
    lines.push(`-N ${chain}`);
  }
  lines.push(...dnRules(conf, cid, cip), ...entryRules(conf, cid, cip.family));
  return lines;
}

/** DEL for one family: the container's chain (found by hash name), its entry rules, legacy SN chain. */
export function planDel(net: string, cid: string, dump: TableDump): string[] {
  return removeChains(dump, [dnChain(net, cid), snChain(net, cid)]);
}

/** UDP host ports DNAT'ed by a chain, read back from its saved rules. */
export function udpPortsOf(chain: string, dump: TableDump): number[] {
  const ports = new Set<number>();
  for (const r of dump.rules) {
    if (ruleChain(r) !== chain || ruleTarget(r) !== 'DNAT') continue;
    const m = / -p udp .*--dport (\d+)/.exec(r);
    if (m) ports.add(Number(m[1]));
  }
  return [...ports];
}

const ENTRY_COMMENT = /--comment "dnat name: \\"([^"\\]*)\\" id: \\"([^"\\]*)/;

/** The network and container an entry rule belongs to, from its comment. */
export function entryOwner(rule: string): { net: string; cid: string } | undefined {
  const m = ENTRY_COMMENT.exec(rule);
  return m ? { net: m[1]!, cid: m[2]! } : undefined;
}

/** GC for one family: chains of this network's attachments not in `keep` (container IDs). */
export function planGc(net: string, keep: readonly string[], dump: TableDump): string[] {
  const kept = new Set(keep.map((cid) => dnChain(net, cid)));
  const doomed = new Set<string>();
  for (const r of dump.rules) {
    if (ruleChain(r) !== TOP_DNAT) continue;
    const owner = entryOwner(r);
    const target = ruleTarget(r);
    if (!owner || owner.net !== net || !target || kept.has(target)) continue;
    if (/^CNI-DN-[0-9a-f]{21}$/.test(target)) doomed.add(target);
  }
  return removeChains(dump, doomed);
}

/** CHECK: what of this container's rules is missing (undefined = all present). */
export function checkProblem(conf: PortmapConf, cid: string, cip: ContainerIp, dump: TableDump): string | undefined {
  const chain = dnChain(conf.name, cid);
  if (!dump.chains.has(chain)) return `chain ${chain} not found in iptables table nat`;
  for (const r of dnRules(conf, cid, cip)) {
    if (!dump.rules.includes(r)) return `rule [${r.slice(3 + chain.length + 1)}] in chain ${chain} not found in table nat`;
  }
  // Entry rules are matched on protocol, ports and target: conditions are reordered by iptables.
  const saved = dump.rules.filter((r) => ruleChain(r) === TOP_DNAT && ruleTarget(r) === chain);
  for (const r of entryRules(conf, cid, cip.family)) {
    const want = /-p (\S+) .*--dports (\S+)/.exec(r)!;
    const found = saved.some((s) => {
      const m = /-p (\S+) .*--dports (\S+)/.exec(s);
      return m && m[1] === want[1] && m[2] === want[2];
    });
    if (!found) return `rule [${r.slice(3 + TOP_DNAT.length + 1)}] in chain ${TOP_DNAT} not found in table nat`;
  }
  return undefined;
}
