// Cleanup of a run's objects, and the check that nothing is left.
//
// Safety rule: cleanup only ever touches objects that carry RUN_PREFIX (or
// that were explicitly registered by this process), so parallel test files
// and anything else on the host are left alone. Every step swallows
// "already gone" and records other failures instead of throwing, because
// cleanup runs in afterEach/afterAll after tests that may have failed halfway.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.ts';
import { iptablesSaveAll, links, nftObjectsMatching, nftTables, parseIptablesSave, ruleChainAndTarget, type IpLink } from './kernel.ts';
import { withSharedHost } from './lock.ts';
import { RUN_PREFIX } from './names.ts';
import { delLink, deleteHostPeers, listNetns } from './netns.ts';
import { CNI_NETWORKS_DIR, CNI_RESULTS_DIR, registry, tmpPrefix, type Registry } from './registry.ts';

// Per-container chains named by hashing (network, container) — e.g. bridge's
// ipMasq `CNI-<hex>` and portmap's `CNI-DN-<hex>`. Only these (and chains
// carrying our prefix) are ever flushed; shared chains such as
// CNI-HOSTPORT-DNAT only lose the individual rules that mention us.
const PER_CONTAINER_CHAIN = /^CNI-(?:[A-Z]+-)?[0-9a-f]{8,}$/;

/** Matchers for one run prefix (ours, or a dead run's when sweeping). */
function matchers(prefix: string) {
  const re = new RegExp(`(^|[^A-Za-z0-9])${prefix}`);
  return {
    owns: (name: string) => name.startsWith(prefix),
    mentions: (s: string) => re.test(s),
  };
}

async function cleanIptables(v6: boolean, mentions: (s: string) => boolean, errors: string[]): Promise<void> {
  const restore = v6 ? 'ip6tables-restore' : 'iptables-restore';
  for (const t of parseIptablesSave(await iptablesSaveAll(v6))) {
    const doomed = new Set([...t.chains.keys()].filter((c) => mentions(c)));
    // Fixpoint: per-container chains reached from our rules or our chains.
    for (let changed = true; changed; ) {
      changed = false;
      for (const rule of t.rules) {
        const { chain, target } = ruleChainAndTarget(rule);
        if (!target || doomed.has(target) || !t.chains.has(target)) continue;
        if ((mentions(rule) || doomed.has(chain)) && (PER_CONTAINER_CHAIN.test(target) || mentions(target))) {
          doomed.add(target);
          changed = true;
        }
      }
    }
    const ops: string[] = [];
    for (const rule of t.rules) {
      const { chain, target } = ruleChainAndTarget(rule);
      if (doomed.has(chain)) continue; // goes with -F below
      if (mentions(rule) || (target !== undefined && doomed.has(target))) ops.push(`-D${rule.slice(2)}`);
    }
    for (const c of doomed) ops.push(`-F ${c}`);
    for (const c of doomed) ops.push(`-X ${c}`);
    if (ops.length === 0) continue;
    // iptables-restore re-parses the quoting iptables-save produced, so
    // saved rule text can be replayed as "-D" without a tokenizer of our own.
    const script = (lines: string[]) => `*${t.table}\n${lines.join('\n')}\nCOMMIT\n`;
    const batch = await run(restore, ['-w', '--noflush'], { input: script(ops) });
    if (batch.code === 0) continue;
    // Something raced us (e.g. a plugin DEL removed a rule): apply one by one.
    for (const op of ops) {
      const r = await run(restore, ['-w', '--noflush'], { input: script([op]) });
      if (r.code !== 0 && !op.startsWith('-D')) errors.push(`${restore} ${t.table} '${op}': ${r.stderr.trim()}`);
    }
  }
}

/**
 * Remove iptables and ip6tables rules matching `mentions` (and the per-container chains they
 * reach), for objects that carry no run prefix, e.g. the firewall plugin's CNI-FORWARD rules of
 * a runtime-created network, which name only addresses. Returns what could not be removed.
 */
export async function cleanIptablesMatching(mentions: (s: string) => boolean): Promise<string[]> {
  const errors: string[] = [];
  await withSharedHost(async () => {
    await cleanIptables(false, mentions, errors);
    await cleanIptables(true, mentions, errors);
  });
  return errors;
}

/** rm -rf that retries (a plugin still running may be adding files) and reports instead of throwing. */
async function rmrf(path: string, errors: string[]): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (e) {
    errors.push(`rm ${path}: ${(e as Error).message}`);
  }
}

async function rmEntries(dir: string, match: (entry: string) => boolean, errors: string[]): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const e of entries.filter(match)) await rmrf(join(dir, e), errors);
}

/** dnsname's default root: a run's networks there are `<root>/<prefix>-…`. */
export const DNSNAME_ROOT = '/run/containers/cni/dnsname';

/**
 * Live (not zombie) dnsname dnsmasq processes (their --conf-file is under a dnsname root) whose
 * command line matches. Other tests' dnsmasq (a DHCP server, say) are never touched.
 */
export async function dnsmasqProcesses(mentions: (s: string) => boolean): Promise<Array<{ pid: number; cmdline: string }>> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const e of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      if (!stat.includes('(dnsmasq)') || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmdline = (await readFile(`/proc/${e}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      if (cmdline.includes('containers/cni/dnsname/') && mentions(cmdline)) out.push({ pid: Number(e), cmdline });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export interface CleanupReport {
  errors: string[];
}

export async function cleanupPrefix(prefix: string, reg: Registry): Promise<CleanupReport> {
  const { owns, mentions } = matchers(prefix);
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
    }
  };

  const hooks = reg.hooks.splice(0).reverse();
  for (const h of hooks) await step('cleanup hook', async () => h());

  await step('netns', async () => {
    const names = new Set(reg.netns);
    for (const n of await listNetns()) if (owns(n.name)) names.add(n.name);
    await deleteHostPeers([...names]);
    for (const n of names) {
      const r = await run('ip', ['netns', 'del', n]);
      if (r.code !== 0 && !/No such file|not found/i.test(r.stderr)) errors.push(`ip netns del ${n}: ${r.stderr.trim()}`);
    }
    reg.netns.clear();
  });

  await step('links', async () => {
    for (const key of reg.links) {
      const [ns, ifname] = key.split('\0') as [string, string];
      const err = await delLink(ifname, ns || undefined);
      // A link inside a deleted netns is gone with it.
      if (err && !/Cannot open network namespace|No such file/i.test(err)) errors.push(err);
    }
    reg.links.clear();
    const all = await links();
    const ours = (l: IpLink) => owns(l.ifname);
    const enslaved = all.filter((l) => !ours(l) && l.master !== undefined && owns(l.master));
    // Ports first, then non-bridges, then bridges (so nothing is re-parented mid-way).
    const order = [
      ...enslaved,
      ...all.filter((l) => ours(l) && l.linkinfo?.info_kind !== 'bridge'),
      ...all.filter((l) => ours(l) && l.linkinfo?.info_kind === 'bridge'),
    ];
    for (const l of order) {
      const err = await delLink(l.ifname);
      if (err) errors.push(err);
    }
  });

  // dnsname's dnsmasq of this run's networks (their conf-file path carries the network name).
  await step('dnsmasq', async () => {
    for (const { pid } of await dnsmasqProcesses(mentions)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });

  await step('iptables', () => cleanIptables(false, mentions, errors));
  await step('ip6tables', () => cleanIptables(true, mentions, errors));

  await step('nft', async () => {
    const wanted = new Set<string>();
    for (const t of await nftTables()) if (mentions(t.name)) wanted.add(`${t.family} ${t.name}`);
    // Our rules and chains inside shared tables (masquerade, macspoofchk): rules first, they jump.
    const { rules, chains } = await nftObjectsMatching(mentions);
    const inOurs = (family: string, table: string) => wanted.has(`${family} ${table}`);
    const script = [
      ...rules.filter((r) => !inOurs(r.family, r.table)).map((r) => `delete rule ${r.family} ${r.table} ${r.chain} handle ${r.handle}`),
      ...chains.filter((c) => !inOurs(c.family, c.table)).map((c) => `delete chain ${c.family} ${c.table} ${c.name}`),
    ];
    if (script.length) {
      const r = await run('nft', ['-f', '-'], { input: `${script.join('\n')}\n` });
      if (r.code !== 0) errors.push(`nft delete of shared-table objects: ${r.stderr.trim()}`);
    }
    for (const key of wanted) {
      const [family, name] = key.split(' ') as [string, string];
      const r = await run('nft', ['delete', 'table', family, name]);
      if (r.code !== 0 && !/No such file|does not exist/i.test(r.stderr)) errors.push(`nft delete table ${key}: ${r.stderr.trim()}`);
    }
  });

  await step('files', async () => {
    const nets = [...reg.networks];
    // cnitool/libcni cache: /var/lib/cni/results/<net>-<containerID>-<ifname>
    await rmEntries(CNI_RESULTS_DIR, (e) => owns(e) || nets.some((n) => e.startsWith(`${n}-`)), errors);
    // host-local's default dataDir, in case a test did not set its own.
    await rmEntries(CNI_NETWORKS_DIR, (e) => owns(e) || nets.includes(e), errors);
    await rmEntries(DNSNAME_ROOT, (e) => owns(e) || nets.includes(e), errors);
    for (const p of reg.paths) await rmrf(p, errors);
    await rmEntries(tmpdir(), (e) => e.startsWith(tmpPrefix(prefix)), errors);
    reg.paths.clear();
    reg.networks.clear();
  });
  return { errors };
}

/**
 * Remove everything this run created: hooks, namespaces (and their host veth
 * peers), prefixed links and links enslaved to prefixed bridges, iptables /
 * ip6tables rules and chains mentioning the prefix, prefixed
 * nft tables, cnitool cache files and default host-local dirs of our
 * networks, temp dirs. Never throws; returns what could not be removed.
 */
export async function cleanup(): Promise<CleanupReport> {
  return withSharedHost(() => cleanupPrefix(RUN_PREFIX, registry));
}

/** Everything on the host that still carries this run's prefix (expected [] after cleanup). */
export async function leftovers(prefix: string = RUN_PREFIX): Promise<string[]> {
  const { owns, mentions } = matchers(prefix);
  const found: string[] = [];
  for (const n of await listNetns()) if (owns(n.name)) found.push(`netns ${n.name}`);
  for (const l of await links()) {
    if (owns(l.ifname)) found.push(`link ${l.ifname}`);
    else if (l.master && owns(l.master)) found.push(`link ${l.ifname} (master ${l.master})`);
  }
  for (const v6 of [false, true]) {
    for (const t of parseIptablesSave(await iptablesSaveAll(v6))) {
      const tag = `${v6 ? 'ip6tables' : 'iptables'} ${t.table}`;
      for (const c of t.chains.keys()) if (mentions(c)) found.push(`${tag} chain ${c}`);
      for (const r of t.rules) if (mentions(r)) found.push(`${tag} rule ${r}`);
    }
  }
  for (const t of await nftTables()) if (mentions(t.name)) found.push(`nft table ${t.family} ${t.name}`);
  const shared = await nftObjectsMatching(mentions);
  for (const r of shared.rules) found.push(`nft rule ${r.family} ${r.table} ${r.chain}: ${r.comment}`);
  for (const c of shared.chains) found.push(`nft chain ${c.family} ${c.table} ${c.name}`);
  for (const [dir, label] of [
    [CNI_RESULTS_DIR, 'cni cache'],
    [CNI_NETWORKS_DIR, 'host-local dir'],
    [DNSNAME_ROOT, 'dnsname dir'],
    [tmpdir(), 'temp'],
  ] as const) {
    let entries: string[] = [];
    try {
      entries = await readdir(dir);
    } catch {
      /* dir absent: nothing left */
    }
    for (const e of entries) if (owns(e) || e.startsWith(tmpPrefix(prefix))) found.push(`${label} ${join(dir, e)}`);
  }
  for (const d of await dnsmasqProcesses(mentions)) found.push(`dnsmasq pid ${d.pid}: ${d.cmdline}`);
  if (prefix === RUN_PREFIX) {
    for (const p of registry.paths) {
      if (
        await stat(p).then(
          () => true,
          () => false,
        )
      )
        found.push(`path ${p}`);
    }
  }
  return found;
}
