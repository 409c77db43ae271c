// Package-time warming (shared/cni/warm.ts, build/warm.ts): warming touches nothing on the host, and
// nothing of it (random state, caches, the build's environment) reaches a real call of the executables.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGINS } from '../../build/plugins.ts';
import { createNetns, haveOurBin, ipJson, ourBin, run, runPlugin, REPO_ROOT } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

const bundled = PLUGINS.every((p) => existsSync(join(REPO_ROOT, 'dist', `${p.name}.fn.js`)));

describe('warmed code cache', () => {
  it.skipIf(!bundled)('warming writes, creates and executes nothing: its only spawn is of a path that cannot exist', async () => {
    const node = join(REPO_ROOT, 'node_modules', '.bin', 'node');
    // CNI_COMMAND set: warming must not serve it (a real call would answer on stdout).
    const r = await run(node, [join(REPO_ROOT, 'conformance', 'build', 'warm-probe.ts')], { env: { ...process.env, CNI_COMMAND: 'ADD' } });
    expect(r.code, r.stderr).toBe(0);
    const { calls, names } = JSON.parse(r.stdout) as { calls: string[]; names: string[] };
    expect(calls.filter((c) => !c.startsWith('child_process.spawn /nonexistent/'))).toEqual([]);
    expect(calls.some((c) => c.startsWith('child_process.spawn /nonexistent/'))).toBe(true);
    // Every bundle reached runPlugin() in warming mode, under its executable's name.
    expect(names).toEqual(PLUGINS.map((p) => p.name));
  });

  it.skipIf(!haveOurBin('bridge'))(
    'no state from warming reaches a call: random names and MACs differ per call, the environment is read at run time',
    async () => {
      const seen = await Promise.all(
        [0, 1, 2].map(async () => {
          const ns = await createNetns();
          const r = await runPlugin(
            ourBin('bridge'),
            { command: 'ADD', containerId: `warm${ns.name}`, netns: ns.path, ifname: 'eth0' },
            { cniVersion: '1.1.0', name: `${ns.name}n`, type: 'bridge', bridge: `${ns.name.slice(0, 10)}b` },
          );
          expect(r.code, r.stdout).toBe(0);
          const eth0 = (await ipJson<Array<{ address: string }>>(['link', 'show', 'eth0'], ns.name))[0]!;
          await runPlugin(
            ourBin('bridge'),
            { command: 'DEL', containerId: `warm${ns.name}`, netns: ns.path, ifname: 'eth0' },
            { cniVersion: '1.1.0', name: `${ns.name}n`, type: 'bridge', bridge: `${ns.name.slice(0, 10)}b` },
          );
          await run('ip', ['link', 'del', `${ns.name.slice(0, 10)}b`]);
          return { veth: r.json.interfaces[1].name as string, mac: eth0.address, brMac: r.json.interfaces[0].mac as string };
        }),
      );
      for (const k of ['veth', 'mac', 'brMac'] as const) expect(new Set(seen.map((s) => s[k])).size).toBe(3);
      // The build ran with its own environment; a call reads its own (warming saw only a fake one).
      const v = await runPlugin(ourBin('bridge'), { command: 'VERSION' }, {});
      expect(v.json?.cniVersion).toBe('1.1.0');
      const bogus = await runPlugin(ourBin('bridge'), { command: 'BOGUS' }, {});
      expect(bogus.json?.msg).toBe('unknown CNI_COMMAND: BOGUS');
    },
  );
});
