// Self-test of the conformance harness, using only the Go reference loopback
// plugin and cnitool, so it is meaningful before any of our plugins exist.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  CNI_RESULTS_DIR,
  RUNS_DIR,
  RUN_PREFIX,
  addrs,
  bridgeName,
  cleanup,
  cnitool,
  cnitoolCachePath,
  cnitoolContainerId,
  containerId,
  createNetns,
  diffHostState,
  exclusiveHost,
  haveCnitool,
  ifName,
  iptablesSave,
  isUp,
  leftovers,
  link,
  makeConfDir,
  mixedCniPath,
  must,
  netName,
  nftTableName,
  nftTables,
  refBin,
  refCniPath,
  run,
  runPlugin,
  snapshotHost,
  sweepStale,
  writeConflist,
} from './lib/index.ts';
import { useCleanup } from './lib/hooks.ts';

useCleanup();

describe('names', () => {
  it('uses a short, non-hex run prefix and enforces IFNAMSIZ', () => {
    expect(RUN_PREFIX).toMatch(/^c[g-z][0-9a-z]{4}$/);
    expect(bridgeName(0)).toBe(`${RUN_PREFIX}br0`);
    expect(Buffer.byteLength(bridgeName())).toBeLessThanOrEqual(15);
    expect(() => ifName('x'.repeat(10))).toThrow(/15 bytes/);
    expect(netName('a')).toBe(`${RUN_PREFIX}-a`);
    expect(containerId()).toMatch(new RegExp(`^${RUN_PREFIX}-ctr[0-9a-z]+$`));
  });

  it("computes cnitool's container ID like cnitool (sha512 of the absolute path)", () => {
    // printf %s /var/run/netns/x | sha512sum | cut -c1-20
    expect(cnitoolContainerId('/var/run/netns/x')).toBe('cnitool-4acf487154af9777be71');
    expect(cnitoolContainerId('/var/run/netns/x/')).toBe(cnitoolContainerId('/var/run/netns/x'));
    expect(cnitoolContainerId('/run/netns/x')).not.toBe(cnitoolContainerId('/var/run/netns/x'));
  });
});

describe('loopback via the harness', () => {
  it('ADD/CHECK/DEL the reference loopback plugin directly', async () => {
    const ns = await createNetns();
    expect(existsSync(ns.path)).toBe(true);
    expect(isUp(await link('lo', ns.name))).toBe(false);

    const conf = { cniVersion: '1.0.0', name: netName(), type: 'loopback' };
    const base = { containerId: containerId(), netns: ns.path, ifname: 'lo', path: refCniPath() };

    const ver = await runPlugin(refBin('loopback'), { command: 'VERSION' }, conf);
    expect(ver.code).toBe(0);
    expect(ver.json.supportedVersions).toContain('1.0.0');

    const add = await runPlugin(refBin('loopback'), { ...base, command: 'ADD' }, conf);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.json.cniVersion).toBe('1.0.0');
    expect(add.json.ips.map((i: { address: string }) => i.address)).toContain('127.0.0.1/8');

    // Also check via the netns path (nsenter) rather than the name (ip -n).
    expect(isUp(await link('lo', ns.path))).toBe(true);
    expect((await addrs('lo', ns.name)).map((a) => a.local)).toContain('127.0.0.1');

    const check = await runPlugin(refBin('loopback'), { ...base, command: 'CHECK' }, { ...conf, prevResult: add.json });
    expect(check.code, check.stdout + check.stderr).toBe(0);

    const del = await runPlugin(refBin('loopback'), { ...base, command: 'DEL' }, conf);
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(isUp(await link('lo', ns.name))).toBe(false);
  });

  it('reports errors as CNI error JSON with a non-zero exit', async () => {
    const r = await runPlugin(
      refBin('loopback'),
      { command: 'ADD', containerId: containerId(), ifname: 'lo' },
      {
        cniVersion: '1.0.0',
        name: netName(),
        type: 'loopback',
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.json).toMatchObject({ code: expect.any(Number), msg: expect.any(String) });
  });

  it('ADD/CHECK/DEL through cnitool with a conflist', async () => {
    expect(haveCnitool(), 'cnitool missing: run conformance/setup/cnitool.sh').toBe(true);
    const ns = await createNetns();
    const confDir = await makeConfDir();
    const name = netName();
    await writeConflist(confDir, { cniVersion: '1.0.0', name, plugins: [{ type: 'loopback' }] });
    // A mixed CNI_PATH (symlink dir) must work as well as /usr/lib/cni itself.
    const cniPath = await mixedCniPath({ loopback: 'ref' });
    const opts = { confDir, cniPath, ifname: 'lo' };

    const add = await cnitool('add', name, ns.path, opts);
    expect(add.code, add.stderr).toBe(0);
    expect(add.json.cniVersion).toBe('1.0.0');
    expect(isUp(await link('lo', ns.name))).toBe(true);

    // libcni caches the result under the ID cnitool derives from the path.
    const cache = cnitoolCachePath(name, ns.path, 'lo');
    expect(existsSync(cache)).toBe(true);
    const cached = JSON.parse(await readFile(cache, 'utf8'));
    expect(cached.containerId).toBe(cnitoolContainerId(ns.path));
    expect(cached.networkName).toBe(name);

    const check = await cnitool('check', name, ns.path, opts);
    expect(check.code, check.stderr).toBe(0);

    const del = await cnitool('del', name, ns.path, opts);
    expect(del.code, del.stderr).toBe(0);
    expect(existsSync(cache)).toBe(false);
    expect(isUp(await link('lo', ns.name))).toBe(false);
  });
});

describe('cleanup', () => {
  it('removes everything with the run prefix, leaves everything else, host exactly as before', async () => {
    // Canary objects that look like CNI's but are not ours: must survive.
    const foreign = `x${randomBytes(3).toString('hex')}`; // never matches c[g-z]…
    const foreignChain = `CNI-${randomBytes(12).toString('hex')}`;
    try {
      await exclusiveHost(async () => {
        const dirs = ['/var/lib/cni'];
        const before = await snapshotHost({ dirs });

        // --- things this run creates (as a buggy plugin might leave them) ---
        const ns = await createNetns();
        const br = bridgeName();
        await must('ip', ['link', 'add', br, 'type', 'bridge']);
        // A randomly named host veth enslaved to our bridge, peer in our netns.
        const hostVeth = `veth${randomBytes(4).toString('hex')}`;
        await must('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
        await must('ip', ['link', 'set', hostVeth, 'master', br]);
        // (no dummy module in this kernel: use a host-local veth pair)
        await must('ip', ['link', 'add', ifName('d0'), 'type', 'veth', 'peer', 'name', ifName('d0p')]);
        const net = netName();
        const cid = containerId();
        // bridge-ipMasq-style: hashed per-container chain jumped to from POSTROUTING with our comment.
        const ourChain = `CNI-${randomBytes(12).toString('hex')}`;
        const comment = `name: "${net}" id: "${cid}"`;
        await must('iptables', ['-w', '-t', 'nat', '-N', ourChain]);
        await must('iptables', ['-w', '-t', 'nat', '-A', ourChain, '-d', '192.0.2.0/24', '-m', 'comment', '--comment', comment, '-j', 'ACCEPT']);
        await must('iptables', ['-w', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.0/24', '-m', 'comment', '--comment', comment, '-j', ourChain]);
        await must('ip6tables', ['-w', '-t', 'filter', '-N', `${RUN_PREFIX}-X`]);
        await must('nft', ['add', 'table', 'inet', nftTableName()]);
        await mkdir(CNI_RESULTS_DIR, { recursive: true });
        await writeFile(join(CNI_RESULTS_DIR, `${net}-${cid}-eth0`), '{}');

        // --- foreign canaries ---
        await must('ip', ['link', 'add', foreign, 'type', 'bridge']);
        await must('iptables', ['-w', '-t', 'nat', '-N', foreignChain]);
        await must('iptables', [
          '-w',
          '-t',
          'nat',
          '-A',
          'POSTROUTING',
          '-s',
          '198.51.100.0/24',
          '-m',
          'comment',
          '--comment',
          `name: "${foreign}"`,
          '-j',
          foreignChain,
        ]);

        expect((await leftovers()).length).toBeGreaterThanOrEqual(7);
        expect((await nftTables()).some((t) => t.name.startsWith(RUN_PREFIX))).toBe(true);

        const { errors } = await cleanup();
        expect(errors).toEqual([]);
        expect(await leftovers()).toEqual([]);
        expect(await link(hostVeth)).toBeUndefined();

        // Canaries untouched.
        expect(await link(foreign)).toBeDefined();
        const nat = await iptablesSave('nat');
        expect(nat).toContain(`:${foreignChain}`);
        expect(nat).toContain(`-j ${foreignChain}`);
        expect(nat).not.toContain(ourChain);

        // Remove canaries, then the host must be exactly as before.
        await removeForeign(foreign, foreignChain);
        const after = await snapshotHost({ dirs });
        // Scoped to this test's objects: on a shared dev machine, tests that do
        // not go through the harness lock may change the host meanwhile.
        const mine = [RUN_PREFIX, hostVeth, ourChain, foreign, foreignChain, '192.0.2.', '198.51.100.'];
        const only = (_sec: string, e: string) => mine.some((m) => e.includes(m));
        expect(diffHostState(before, after, { only })).toEqual([]);
      });
    } finally {
      await removeForeign(foreign, foreignChain);
    }
  });

  it('sweeps the leftovers of a run whose process is gone, and only those', async () => {
    const dead = `cz${randomBytes(2).toString('hex')}`; // a fake earlier run's prefix
    const live = `cy${randomBytes(2).toString('hex')}`; // a fake run still alive (our pid)
    // The pid of a process that has exited.
    const child = execa('true', [], { reject: false });
    const deadPid = child.pid!;
    await child;
    const startOf = (pid: number) => {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return st.slice(st.lastIndexOf(')') + 2).split(' ')[19];
    };
    try {
      await mkdir(RUNS_DIR, { recursive: true });
      await writeFile(join(RUNS_DIR, dead), `${deadPid} 1\n`);
      await writeFile(join(RUNS_DIR, live), `${process.pid} ${startOf(process.pid)}\n`);
      await must('ip', ['link', 'add', `${dead}br0`, 'type', 'bridge']);
      await must('ip', ['link', 'add', `${live}br0`, 'type', 'bridge']);
      await mkdir(join(tmpdir(), `cni-ts-${dead}-ipam-x`), { recursive: true });

      expect(await sweepStale()).toContain(dead);
      expect(await leftovers(dead)).toEqual([]);
      expect(existsSync(join(RUNS_DIR, dead))).toBe(false);
      // Still-running run: untouched.
      expect(await link(`${live}br0`)).toBeDefined();
      expect(existsSync(join(RUNS_DIR, live))).toBe(true);
    } finally {
      await run('ip', ['link', 'del', `${dead}br0`]);
      await run('ip', ['link', 'del', `${live}br0`]);
      await rm(join(RUNS_DIR, dead), { force: true });
      await rm(join(RUNS_DIR, live), { force: true });
      await rm(join(tmpdir(), `cni-ts-${dead}-ipam-x`), { recursive: true, force: true });
    }
  });

  it('is a no-op (and does not throw) when everything is already gone', async () => {
    const ns = await createNetns();
    await must('ip', ['netns', 'del', ns.name]);
    expect((await cleanup()).errors).toEqual([]);
    expect((await cleanup()).errors).toEqual([]);
  });

  it('host-state diff sees added links, rules and files', async () => {
    const dir = await makeConfDir();
    // Exclusive: other files' plugin runs must not show up between the snapshots.
    await exclusiveHost(async () => {
      const before = await snapshotHost({ dirs: [dir] });
      const d = ifName('d1');
      await must('ip', ['link', 'add', d, 'type', 'bridge']);
      await writeFile(join(dir, 'f'), 'x');
      const rule = ['-s', '192.0.2.7/32', '-m', 'comment', '--comment', `${RUN_PREFIX}-diff`, '-j', 'RETURN'];
      await must('iptables', ['-w', '-t', 'nat', '-A', 'POSTROUTING', ...rule]);
      const after = await snapshotHost({ dirs: [dir] });
      // Scoped as above: other developers' tests may share this machine.
      const only = (_sec: string, e: string) => [RUN_PREFIX, '192.0.2.7', dir].some((m) => e.includes(m));
      const diff = diffHostState(before, after, { only });
      expect(diff.some((l) => l.startsWith(`links: + ${d}`))).toBe(true);
      expect(diff).toContain(`files: + ${join(dir, 'f')}`);
      expect(diff.some((l) => l.startsWith('iptables: + nat: -A POSTROUTING -s 192.0.2.7/32') && l.includes(RUN_PREFIX))).toBe(true);
      // nft -j shows iptables-nft's comment match without its text.
      expect(diff.some((l) => l.startsWith('nft: + ') && l.includes('192.0.2.7'))).toBe(true);
      const ignored = diffHostState(before, after, {
        only,
        ignoreLink: (n) => n === d,
        ignore: (sec, entry) => sec === 'files' || entry.includes(RUN_PREFIX) || entry.includes('192.0.2.7'),
      });
      expect(ignored).toEqual([]);
      // Cleanup inside the exclusive section is fine (the lock is re-entrant).
      expect((await cleanup()).errors).toEqual([]);
    });
  });
});

async function removeForeign(foreign: string, chain: string): Promise<void> {
  await run('ip', ['link', 'del', foreign]);
  const nat = await iptablesSave('nat');
  for (const line of nat.split('\n')) {
    if (line.startsWith('-A POSTROUTING') && line.includes(`-j ${chain}`)) {
      await run('iptables-restore', ['-w', '--noflush'], { input: `*nat\n-D${line.slice(2)}\nCOMMIT\n` });
    }
  }
  await run('iptables', ['-w', '-t', 'nat', '-X', chain]);
}
