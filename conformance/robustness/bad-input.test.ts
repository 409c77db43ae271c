// Bad input: a generated corpus of malformed and hostile configurations and environments for every
// plugin and verb. Each must end in a CNI error (code + actionable msg, exit ≠ 0) and leave the
// host and the container namespace exactly as they were.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeName,
  cleanup,
  containerId,
  createNetns,
  diffHostState,
  exclusiveHost,
  haveOurBin,
  ipamDataDir,
  netName,
  snapshotHost,
  trackPath,
  type HostSnapshot,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { generateCorpus, type Context, type PluginName } from './corpus.ts';
import { foreignLinks, runAll, runCase, type Verdict } from './runner.ts';
import { FULL, SCALE, report } from './scale.ts';

const PLUGINS: PluginName[] = [
  'loopback',
  'host-local',
  'bridge',
  'portmap',
  'firewall',
  'tuning',
  'dnsname',
  'static',
  'flannel',
  'bandwidth',
  'sbr',
  'vrf',
  'vlan',
  'dummy',
  'host-device',
  'tap',
  'ptp',
  'macvlan',
  'ipvlan',
];
const ok = PLUGINS.every(haveOurBin);

describe.skipIf(!ok)('robustness: bad input corpus', () => {
  useCleanup({ scope: 'all' });
  let ns: Netns;
  let ctx: Context;
  let dirs: string[];

  beforeAll(async () => {
    ns = await createNetns('rb');
    ctx = { net: netName(), bridge: bridgeName(), dataDir: await ipamDataDir(), netns: ns.path, cid: containerId(), v4: '10.166.1.' };
    // Paths hostile dataDirs aim at must stay absent too.
    for (const p of ['/etc/cni-ts-evil', '/tmp/a\nb', resolve('relative')]) trackPath(p);
    // The firewall plugin's per-attachment records of this network must not appear either.
    dirs = [
      ctx.dataDir,
      `/var/lib/cni/networks/${ctx.net}`,
      `/var/lib/cni/firewall/${ctx.net}`,
      '/etc/cni-ts-evil',
      resolve('relative'),
      '/proc/cni-ts-x',
      `/run/containers/cni/dnsname/${ctx.net}`,
    ];
    trackPath(`/var/lib/cni/firewall/${ctx.net}`);
  });

  const snap = async (): Promise<[HostSnapshot, HostSnapshot]> => [
    await snapshotHost({ dirs, sysctls: ['net.ipv4.ip_forward'] }),
    // tuning's base config sets this inside the namespace: no case may get that far.
    await snapshotHost({ netns: ns.name, sysctls: ['net.core.somaxconn'] }),
  ];
  // host-local creates <dataDir>/<net>/ and its lock file on every verb before reading the config
  // further, as upstream does: scaffolding without state, so not a leak. The round-robin cursor
  // (last_reserved_ip.N) moves when an ADD fails after its first range set, as upstream's does, so
  // that allocation order stays identical to the reference's: a cursor, not a lease.
  const scaffold = (sec: string, e: string) =>
    (sec === 'routes' && /"dst":"fe80:/.test(e)) ||
    (sec === 'files' &&
      (e === ctx.dataDir ||
        e === `${ctx.dataDir}/${ctx.net}` ||
        e === `${ctx.dataDir}/${ctx.net}/lock` ||
        e.startsWith(`${ctx.dataDir}/${ctx.net}/last_reserved_ip.`)));
  const diff = (a: [HostSnapshot, HostSnapshot], b: [HostSnapshot, HostSnapshot]) => [
    ...diffHostState(a[0], b[0], { ignore: scaffold, ignoreLink: foreignLinks(a[0], b[0]) }),
    ...diffHostState(a[1], b[1]).map((d) => `netns ${d}`),
  ];

  // One test per plugin: each has its own time budget, so adding a plugin never starves the others.
  it.each(PLUGINS)('%s: every case fails cleanly and changes nothing', { timeout: FULL ? 900_000 : 170_000 }, async (plugin) => {
    const all = generateCorpus([plugin], () => ctx);
    const cases = all.filter((c, i) => i % (c.verb === 'ADD' ? SCALE.corpusSampleAdd : SCALE.corpusSample) === 0);
    const bad: Verdict[] = [];
    const leaks: string[] = [];
    for (let i = 0; i < cases.length; i += SCALE.batch) {
      const batch = cases.slice(i, i + SCALE.batch);
      const { verdicts, changes } = await exclusiveHost(async () => {
        const before = await snap();
        const verdicts = await runAll(batch, 4);
        return { verdicts, changes: diff(before, await snap()) };
      });
      bad.push(...verdicts.filter((v) => !v.ok));
      if (changes.length === 0) continue;
      // Find the culprit(s): undo, then replay the batch one case per snapshot pair.
      console.warn(`batch ${i} changed the host: ${changes.join('\n').slice(0, 2000)}`);
      const restore = async () => {
        await cleanup();
        ns = await createNetns('rb'); // same name, same path as ctx.netns
      };
      await restore();
      const culprits: string[] = [];
      for (const c of batch) {
        const d = await exclusiveHost(async () => {
          const b = await snap();
          await runCase(c);
          return diff(b, await snap());
        });
        if (d.length) culprits.push(`${c.id}: ${d.join('; ').slice(0, 500)}`);
        if (d.length) await restore();
      }
      leaks.push(...(culprits.length ? culprits : [`batch ${i}: ${changes.join('; ').slice(0, 500)} (not reproducible case by case)`]));
    }
    report(`bad-input cases run (${plugin})`, `${cases.length} of ${all.length} generated`);
    expect(bad.map((v) => `${v.case.id.slice(0, 120)} => ${v.why}`)).toEqual([]);
    expect(leaks).toEqual([]);
  });

  afterAll(() => undefined);
});
