// The shared firewall scaffolding the plugins create on first use and (like the Go plugins) never
// remove, since other containers may need it: portmap's CNI-HOSTPORT-* chains and their jumps,
// the firewall plugin's CNI-FORWARD / CNI-ADMIN / CNI-ISOLATION-STAGE-* filter chains and their
// jumps, the nft tables of portmap, bridge masquerading and macspoofchk. A test run or the demo
// removes what it created, once nothing in it belongs to any container any more.
import { execa } from 'execa';

const HOSTPORT_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];
const NFT_TABLES: Array<[family: string, name: string, perContainerChains: string[]]> = [
  ['inet', 'cni_plugins_masquerade', ['masq_checks']],
  ['ip', 'cni_hostport', ['hostports', 'hostip_hostports', 'masquerading']],
  ['ip6', 'cni_hostport', ['hostports', 'hostip_hostports', 'masquerading']],
  ['bridge', 'nat', []],
];

const FIREWALL_CHAINS = ['CNI-FORWARD', 'CNI-ADMIN', 'CNI-ISOLATION-STAGE-1', 'CNI-ISOLATION-STAGE-2'];

export interface Scaffold {
  iptables: Record<'4' | '6', string[]>;
  filter: Record<'4' | '6', string[]>;
  nft: string[];
}

async function natChains(v: '4' | '6', table = 'nat'): Promise<{ chains: string[]; rules: string[] }> {
  const r = await execa(v === '4' ? 'iptables-save' : 'ip6tables-save', ['-t', table], { reject: false });
  const lines = String(r.stdout).split('\n');
  return { chains: lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!), rules: lines.filter((l) => l.startsWith('-A ')) };
}

async function nftTables(): Promise<string[]> {
  const r = await execa('nft', ['list', 'tables'], { reject: false });
  return String(r.stdout)
    .split('\n')
    .filter((l) => l.startsWith('table '))
    .map((l) => l.slice(6).trim());
}

export async function captureScaffold(): Promise<Scaffold> {
  const [v4, v6, f4, f6, nft] = await Promise.all([natChains('4'), natChains('6'), natChains('4', 'filter'), natChains('6', 'filter'), nftTables()]);
  const mine = (c: string[]) => c.filter((x) => HOSTPORT_CHAINS.includes(x));
  const fw = (c: string[]) => c.filter((x) => FIREWALL_CHAINS.includes(x));
  return { iptables: { '4': mine(v4.chains), '6': mine(v6.chains) }, filter: { '4': fw(f4.chains), '6': fw(f6.chains) }, nft };
}

const linkExists = async (name: string) => (await execa('ip', ['link', 'show', 'dev', name], { reject: false })).exitCode === 0;

/**
 * The firewall plugin's filter chains, when this run created them and they hold nothing but
 * scaffolding: the admin jump, an empty admin chain, and isolation rules of bridges that are gone
 * (the plugin keeps those after the last container, as upstream does).
 */
async function removeFirewallScaffold(v: '4' | '6', before: string[]): Promise<boolean> {
  const { chains, rules } = await natChains(v, 'filter');
  const present = FIREWALL_CHAINS.filter((c) => chains.includes(c));
  if (present.length === 0 || present.some((c) => before.includes(c))) return false;
  for (const r of rules) {
    const chain = r.split(' ')[1]!;
    if (chain === 'CNI-FORWARD' && !r.includes('CNI firewall plugin admin overrides')) return false;
    if (chain === 'CNI-ADMIN') return false;
    if (chain.startsWith('CNI-ISOLATION-STAGE-')) {
      const dev = /-[io] (\S+)/.exec(r)?.[1];
      if (dev && (await linkExists(dev))) return false;
    }
  }
  const jumps = rules.filter((l) => /^-A FORWARD .*-j CNI-(FORWARD|ISOLATION-STAGE-1)$/.test(l)).map((l) => `-D ${l.slice(3)}`);
  const script = ['*filter', ...jumps, ...present.map((c) => `-F ${c}`), ...present.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
  return (await execa(v === '4' ? 'iptables-restore' : 'ip6tables-restore', ['--noflush', '--wait'], { input: script, reject: false })).exitCode === 0;
}

/** Isolation rules naming these bridges (the demo's, after it deleted them), whoever made the chains. */
export async function removeIsolationOf(bridges: readonly string[]): Promise<void> {
  for (const v of ['4', '6'] as const) {
    const { rules } = await natChains(v, 'filter');
    const mine = rules.filter((r) => r.startsWith('-A CNI-ISOLATION-STAGE-') && bridges.some((b) => r.includes(` ${b} `)));
    if (mine.length === 0) continue;
    const script = ['*filter', ...mine.map((l) => `-D ${l.slice(3)}`), 'COMMIT', ''].join('\n');
    await execa(v === '4' ? 'iptables-restore' : 'ip6tables-restore', ['--noflush', '--wait'], { input: script, reject: false });
  }
}

/** Remove scaffolding that did not exist in `before` and holds no container's rules. */
export async function removeNewScaffold(before: Scaffold): Promise<string[]> {
  const removed: string[] = [];
  for (const v of ['4', '6'] as const) {
    const { chains, rules } = await natChains(v);
    const created = HOSTPORT_CHAINS.filter((c) => chains.includes(c) && !before.iptables[v].includes(c));
    if (created.length !== HOSTPORT_CHAINS.length) continue; // partly pre-existing: leave all of it
    // In use while a container's DNAT chain is still entered from CNI-HOSTPORT-DNAT.
    if (rules.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT '))) continue;
    const jumps = rules.filter((l) => /^-A (PREROUTING|OUTPUT|POSTROUTING) .*-j CNI-HOSTPORT-/.test(l)).map((l) => `-D ${l.slice(3)}`);
    const script = ['*nat', ...jumps, ...HOSTPORT_CHAINS.map((c) => `-F ${c}`), ...HOSTPORT_CHAINS.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    const r = await execa(v === '4' ? 'iptables-restore' : 'ip6tables-restore', ['--noflush', '--wait'], { input: script, reject: false });
    if (r.exitCode === 0) removed.push(`ip${v === '6' ? '6' : ''}tables nat CNI-HOSTPORT-*`);
  }
  for (const v of ['4', '6'] as const) {
    if (await removeFirewallScaffold(v, before.filter?.[v] ?? [])) removed.push(`ip${v === '6' ? '6' : ''}tables filter CNI-FORWARD/CNI-ADMIN/CNI-ISOLATION-*`);
  }
  const now = await nftTables();
  for (const [family, name, chains] of NFT_TABLES) {
    const t = `${family} ${name}`;
    if (!now.includes(t) || before.nft.includes(t)) continue;
    const r = await execa('nft', ['-j', 'list', 'table', family, name], { reject: false });
    const objs = (JSON.parse(String(r.stdout || '{"nftables":[]}')) as { nftables: Array<Record<string, { chain?: string }>> }).nftables;
    // bridge nat holds only macspoofchk chains: in use while any cni-br-iface chain exists.
    const inUse = objs.some(
      (o) =>
        (o.rule && chains.includes(o.rule.chain ?? '')) ||
        (family === 'bridge' && o.chain && String((o.chain as { name?: string }).name).startsWith('cni-br-iface')),
    );
    if (inUse) continue;
    if ((await execa('nft', ['delete', 'table', family, name], { reject: false })).exitCode === 0) removed.push(`nft ${t}`);
  }
  return removed;
}
