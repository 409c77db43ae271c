// The warmed start-up snapshot (shared/cni/warm.ts): warming touches nothing on the host, and nothing
// of it (random state, caches, the build's environment) reaches a real call of the executables.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createNetns, haveOurBin, ipJson, ourBin, run, runPlugin, REPO_ROOT } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

describe('warmed snapshot', () => {
  it('warming writes, creates and executes nothing: its only spawn is of a path that cannot exist', async () => {
    const node = join(REPO_ROOT, 'node_modules', '.bin', 'node');
    const r = await run(node, [join(REPO_ROOT, 'conformance', 'build', 'warm-probe.ts')], { env: { ...process.env, CNI_COMMAND: 'ADD' } });
    expect(r.code, r.stderr).toBe(0);
    const calls = JSON.parse(r.stdout) as string[];
    expect(calls.filter((c) => !c.startsWith('child_process.spawn /nonexistent/'))).toEqual([]);
    expect(calls.some((c) => c.startsWith('child_process.spawn /nonexistent/'))).toBe(true);
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
