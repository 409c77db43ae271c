// Per-container masquerade (bridge/ptp ipMasq), in the reference's two layouts (containernetworking/plugins `pkg/ip/ipmasq_iptables_linux.go`, `pkg/ip/ipmasq_nftables_linux.go`):
// iptables: chain CNI-<hash(net+id)> + POSTROUTING jump; nftables: rules in table
// inet cni_plugins_masquerade, chain masq_checks, found again by their comment's hash prefix.
import type { Undo } from '../cni/undo.ts';
import { cidrString, ipString, isV4, networkCidr, parseCidr, type Family } from './addr.ts';
import { hashWithPrefix } from './hash.ts';
import { quote, restore, saveTable, type Backend, type TableDump } from './iptables.ts';
import { removeChains, ruleTarget } from './iptables-rules.ts';
import { nftApply, nftListJson, nftString } from './nftables.ts';
import { CniError, Code, settleAll } from '../cni/errors.ts';
import { isValidId } from '../cni/validate.ts';
import type { Attachment } from '../cni/config.ts';

/** A container address "ip/len" split into what the rules need. */
export interface MasqAddr {
  family: Family;
  ip: string;
  /** The address as given (ip/len): iptables stores its network form. */
  cidr: string;
  /** network/len */
  network: string;
}

export function masqAddr(cidr: string): MasqAddr {
  const c = parseCidr(cidr);
  if (!c) throw new CniError(Code.Internal, `ipMasq: invalid address "${cidr}"`);
  return { family: isV4(c.ip) ? 4 : 6, ip: ipString(c.ip), cidr: cidrString(c), network: networkCidr(cidr) };
}

function assertIds(net: string, cid: string): void {
  // Names and ids reach rule comments: the spec's pattern keeps quotes and spaces out.
  if (!isValidId(net)) throw new CniError(Code.InvalidNetworkConfig, `invalid network name "${net}"`);
  if (!isValidId(cid)) throw new CniError(Code.InvalidEnvironmentVariables, `invalid container id "${cid}"`);
}

// ------------------------------------------------------------------------------- iptables

export const iptChain = (net: string, cid: string): string => hashWithPrefix(28, 'CNI-', net + cid);
/** Go's fmt.Sprintf("name: %q id: %q"); ids match the spec's pattern, so %q only adds quotes. */
export const iptComment = (net: string, cid: string): string => `name: "${net}" id: "${cid}"`;

const MCAST = { 4: '224.0.0.0/4', 6: 'ff00::/8' } as const;

/**
 * iptables-restore lines for one family, in the reference's AppendUnique order. `-N` fails the
 * whole transaction when the chain exists: an ADD never takes over (and, on failure, never
 * removes) the rules of a container that is already attached.
 */
export function iptSetupLines(net: string, cid: string, addrs: readonly MasqAddr[]): string[] {
  assertIds(net, cid);
  if (addrs.length === 0) return [];
  const chain = iptChain(net, cid);
  const c = `-m comment --comment ${quote(iptComment(net, cid))}`;
  const inChain: string[] = [];
  const post: string[] = [];
  const push = (list: string[], l: string) => {
    if (!list.includes(l)) list.push(l);
  };
  for (const a of addrs) {
    push(inChain, `-A ${chain} -d ${a.network} ${c} -j ACCEPT`);
    push(inChain, `-A ${chain} ! -d ${MCAST[a.family]} ${c} -j MASQUERADE`);
    push(post, `-A POSTROUTING -s ${a.ip}/${a.family === 4 ? 32 : 128} ${c} -j ${chain}`);
  }
  return [`-N ${chain}`, ...inChain, ...post];
}

/** Per-container chains of network `net` whose container is not in `keep` (found by their comment). */
export function iptStaleChains(dump: TableDump, net: string, keepIds: ReadonlySet<string>): Set<string> {
  const re = new RegExp(`--comment "name: \\\\"${net.replace(/[.]/g, '\\.')}\\\\" id: \\\\"([^\\\\"]+)\\\\""`);
  const stale = new Set<string>();
  for (const r of dump.rules) {
    if (!r.startsWith('-A POSTROUTING ')) continue;
    const m = re.exec(r);
    const t = ruleTarget(r);
    if (!m || !t) continue;
    const cid = m[1]!;
    if (!keepIds.has(cid) && t === iptChain(net, cid)) stale.add(t);
  }
  return stale;
}

const alreadyAttached = (net: string, cid: string) =>
  new CniError(Code.Internal, `masquerade rules of container "${cid}" on network "${net}" already exist: it is already attached`);

async function iptSetup(net: string, cid: string, addrs: readonly MasqAddr[]): Promise<Undo> {
  const made: Family[] = [];
  const undo = () => iptTeardown(net, cid, made);
  try {
    for (const fam of [4, 6] as const) {
      const lines = iptSetupLines(
        net,
        cid,
        addrs.filter((a) => a.family === fam),
      );
      if (!lines.length) continue;
      try {
        await restore(fam, 'nat', lines);
      } catch (e) {
        throw /Chain already exists/.test((e as Error).message) ? alreadyAttached(net, cid) : e;
      }
      made.push(fam);
    }
  } catch (e) {
    await undo().catch(() => undefined);
    throw e;
  }
  return undo;
}

async function iptRemoveWhere(families: readonly Family[], pick: (d: TableDump) => Set<string>): Promise<void> {
  await Promise.all(
    families.map(async (fam) => {
      let dump: TableDump;
      try {
        dump = await saveTable(fam, 'nat');
      } catch {
        return; // this family's iptables is unusable: nothing of ours can be there
      }
      const lines = removeChains(dump, pick(dump));
      if (lines.length) await restore(fam, 'nat', lines);
    }),
  );
}

/** Teardown lines when the container's addresses are known: no iptables-save needed. */
export function iptKnownTeardownLines(net: string, cid: string, addrs: readonly MasqAddr[]): string[] {
  assertIds(net, cid);
  const chain = iptChain(net, cid);
  const c = `-m comment --comment ${quote(iptComment(net, cid))}`;
  const jumps = [...new Set(addrs.map((a) => `-D POSTROUTING -s ${a.ip}/${a.family === 4 ? 32 : 128} ${c} -j ${chain}`))];
  return [...jumps, `-F ${chain}`, `-X ${chain}`];
}

/**
 * Remove this container's chain and jumps. With `known` addresses (from prevResult) one
 * iptables-restore per family does it; when that does not match what is there (already gone,
 * other addresses), the rules are found through iptables-save instead.
 */
async function iptTeardown(net: string, cid: string, families: readonly Family[] = [4, 6], known: readonly MasqAddr[] = []): Promise<void> {
  assertIds(net, cid);
  const chain = iptChain(net, cid);
  await Promise.all(
    families.map(async (fam) => {
      const mine = known.filter((a) => a.family === fam);
      if (mine.length) {
        try {
          await restore(fam, 'nat', iptKnownTeardownLines(net, cid, mine));
          return;
        } catch {
          // fall through to the lookup
        }
      }
      await iptRemoveWhere([fam], () => new Set([chain]));
    }),
  );
}

function iptGc(net: string, keep: readonly Attachment[]): Promise<void> {
  const ids = new Set(keep.map((a) => a.containerID));
  return iptRemoveWhere([4, 6], (d) => iptStaleChains(d, net, ids));
}

// ------------------------------------------------------------------------------- nftables

export const NFT_TABLE = 'cni_plugins_masquerade';
const sha = (s: string) => hashWithPrefix(16, '', s);
export const nftNetHash = (net: string): string => sha(net);
export const nftInstancePrefix = (net: string, ifname: string, cid: string): string => `${sha(net)}-${sha(`${ifname}:${cid}`)}`;
export function nftComment(net: string, ifname: string, cid: string): string {
  const strip = (s: string) => s.replace(/"/g, '');
  return `${nftInstancePrefix(net, ifname, cid)}, net: ${strip(net)}, if: ${strip(ifname)}, id: ${strip(cid)}`.slice(0, 128);
}

const T = `inet ${NFT_TABLE}`;

/** The table skeleton; postrouting is rewritten each time as the reference does. */
export function nftSkeleton(): string[] {
  return [
    `add table ${T} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
    `add chain ${T} masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
    `add chain ${T} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${T} postrouting`,
    `add rule ${T} postrouting ip daddr 224.0.0.0/4 return`,
    `add rule ${T} postrouting ip6 daddr ff00::/8 return`,
    `add rule ${T} postrouting goto masq_checks`,
  ];
}

export interface NftRule {
  handle: number;
  comment?: string;
}

export function nftSetupScript(net: string, ifname: string, cid: string, addrs: readonly MasqAddr[], existing: readonly NftRule[]): string {
  assertIds(net, cid);
  const comment = nftString(nftComment(net, ifname, cid));
  const lines = nftSkeleton();
  const prefix = nftInstancePrefix(net, ifname, cid);
  for (const r of existing) if (r.comment?.startsWith(prefix)) lines.push(`delete rule ${T} masq_checks handle ${r.handle}`);
  for (const a of addrs) {
    const p = a.family === 4 ? 'ip' : 'ip6';
    lines.push(`add rule ${T} masq_checks ${p} saddr ${a.ip} ${p} daddr != ${a.network} masquerade comment ${comment}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function nftRules(): Promise<NftRule[] | undefined> {
  const objs = await nftListJson(['chain', 'inet', NFT_TABLE, 'masq_checks']);
  if (!objs) return undefined;
  const out: NftRule[] = [];
  for (const o of objs) {
    const r = o.rule as { handle?: number; comment?: string } | undefined;
    if (r && typeof r.handle === 'number') out.push({ handle: r.handle, ...(typeof r.comment === 'string' ? { comment: r.comment } : {}) });
  }
  return out;
}

async function nftSetup(net: string, ifname: string, cid: string, addrs: readonly MasqAddr[]): Promise<Undo> {
  const existing = (await nftRules()) ?? [];
  const prefix = nftInstancePrefix(net, ifname, cid);
  if (existing.some((r) => r.comment?.startsWith(prefix))) throw alreadyAttached(net, cid);
  await nftApply(nftSetupScript(net, ifname, cid, addrs, existing));
  return () => nftTeardown(net, ifname, cid);
}

async function nftDeleteWhere(pick: (r: NftRule) => boolean): Promise<void> {
  const rules = await nftRules();
  if (!rules) return;
  const doomed = rules.filter(pick);
  if (doomed.length === 0) return;
  await nftApply(`${doomed.map((r) => `delete rule ${T} masq_checks handle ${r.handle}`).join('\n')}\n`);
}

function nftTeardown(net: string, ifname: string, cid: string): Promise<void> {
  const prefix = nftInstancePrefix(net, ifname, cid);
  return nftDeleteWhere((r) => r.comment?.startsWith(prefix) ?? false);
}

function nftGc(net: string, keep: readonly Attachment[]): Promise<void> {
  const netPrefix = `${nftNetHash(net)}-`;
  const kept = new Set(keep.map((a) => nftInstancePrefix(net, a.ifname, a.containerID)));
  return nftDeleteWhere((r) => (r.comment ?? '').startsWith(netPrefix) && !kept.has((r.comment ?? '').slice(0, 33)));
}

// ------------------------------------------------------------------------------- the seam

/** What prevResult says of the container's addresses: narrows and shortcuts a teardown. */
export interface KnownAddrs {
  families: readonly Family[];
  addrs: readonly MasqAddr[];
}

/** One backend's masquerade, chosen once per call (containernetworking/plugins `pkg/ip/ipmasq_linux.go`). */
export interface Masq {
  /** Set up a container's masquerade; returns the undo of exactly what it created. */
  setup(net: string, ifname: string, cid: string, addrs: readonly MasqAddr[]): Promise<Undo>;
  /** Remove a container's rules, found by name (chain hash, comment prefix), not by address. */
  teardown(net: string, ifname: string, cid: string, known?: KnownAddrs): Promise<void>;
  /** Remove this network's rules of attachments not in `keep`. */
  gc(net: string, keep: readonly Attachment[]): Promise<void>;
}

const iptMasq: Masq = {
  setup: (net, _ifname, cid, addrs) => iptSetup(net, cid, addrs),
  teardown: (net, _ifname, cid, known) => iptTeardown(net, cid, known?.families, known?.addrs),
  gc: iptGc,
};

const nftMasq: Masq = {
  setup: nftSetup,
  teardown: (net, ifname, cid) => nftTeardown(net, ifname, cid),
  gc: nftGc,
};

export const masqFor = (backend: Backend): Masq => (backend === 'nftables' ? nftMasq : iptMasq);

/**
 * DEL and GC: the configured backend, or both when none is configured (ADD may have picked
 * either). Then nftables failing (e.g. no nft here) is not an error; iptables failing is.
 */
export function masqCleanupFor(configured: Backend | undefined): Omit<Masq, 'setup'> {
  if (configured) return masqFor(configured);
  return {
    async teardown(net, ifname, cid, known) {
      await settleAll([iptMasq.teardown(net, ifname, cid, known), nftMasq.teardown(net, ifname, cid).catch(() => undefined)]);
    },
    async gc(net, keep) {
      await settleAll([iptMasq.gc(net, keep), nftMasq.gc(net, keep).catch(() => undefined)]);
    },
  };
}
