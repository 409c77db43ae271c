// flannel called directly: where it does better than upstream (DEL without the saved file, a
// failed delegate DEL, a failed delegate ADD, a missing or broken subnet file), bad input, GC and
// STATUS. Our bridge and host-local are the delegates, from dist/bin.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  bridgeName,
  containerId,
  createNetns,
  haveOurBin,
  link,
  makeTempDir,
  netName,
  ourBin,
  OUR_BIN_DIR,
  run,
  trackLink,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { dirs, flannel, flannelConf, type Dirs } from './helpers.ts';
import { waitProcsGone } from '../robustness/chain.ts';

useCleanup({ scope: 'all' });

const have = ['flannel', 'bridge', 'host-local'].every(haveOurBin);
const leases = (d: Dirs, name: string) => (existsSync(join(d.ipamDir, name)) ? readdirSync(join(d.ipamDir, name)).filter((f) => /^\d/.test(f)) : []);

// Calls that must fail before touching the namespace share one.
let idle: Promise<Netns> | undefined;
const idleNs = () => (idle ??= createNetns('idle'));

async function setup(subnet = '10.153.1.1/24') {
  const d = await dirs({ network: '10.153.0.0/16', subnet });
  const name = netName();
  const br = bridgeName();
  trackLink(br);
  return { d, name, br, conf: flannelConf(name, br, d) };
}

describe.skipIf(!have)('flannel verbs (direct calls)', () => {
  it('DEL without the saved file rebuilds the configuration and still releases the address (upstream leaks it)', async () => {
    const s = await setup();
    const ns = await createNetns();
    const id = containerId();
    const add = await flannel('ADD', s.conf, { containerId: id, netns: ns.path });
    expect(add.code, add.stdout).toBe(0);
    expect(leases(s.d, s.name)).toEqual(['10.153.1.2']);
    rmSync(join(s.d.dataDir, id));
    const del = await flannel('DEL', s.conf, { containerId: id, netns: ns.path });
    expect(del.code, del.stdout).toBe(0);
    expect(leases(s.d, s.name)).toEqual([]);
    expect(await link('eth0', ns.name)).toBeUndefined();
    await run('ip', ['link', 'del', s.br]);
  });

  it('a failed delegate DEL keeps the saved file; the retry succeeds and removes it', async () => {
    const s = await setup('10.153.2.1/24');
    const ns = await createNetns();
    const id = containerId();
    expect((await flannel('ADD', s.conf, { containerId: id, netns: ns.path })).code).toBe(0);
    const empty = await makeTempDir('flannel-nopath');
    const bad = await flannel('DEL', s.conf, { containerId: id, netns: ns.path, path: empty });
    expect(bad.code).toBe(1);
    expect(bad.json.msg).toMatch(/failed to find plugin "bridge"/);
    expect(existsSync(join(s.d.dataDir, id))).toBe(true);
    const ok = await flannel('DEL', s.conf, { containerId: id, netns: ns.path, path: OUR_BIN_DIR });
    expect(ok.code, ok.stdout).toBe(0);
    expect(existsSync(join(s.d.dataDir, id))).toBe(false);
    expect(leases(s.d, s.name)).toEqual([]);
    await run('ip', ['link', 'del', s.br]);
  });

  it('a failed delegate ADD leaves no saved file and no lease', async () => {
    const s = await setup('10.153.3.1/24');
    const ns = await createNetns();
    // The delegate fails after IPAM: an MTU the veth cannot take.
    const conf = { ...s.conf, delegate: { bridge: s.br, mtu: 70000 } };
    const r = await flannel('ADD', conf, { containerId: containerId(), netns: ns.path });
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/^failed to delegate add: /);
    expect(readdirSync(s.d.dataDir)).toEqual([]);
    expect(leases(s.d, s.name)).toEqual([]);
    expect(await link('eth0', ns.name)).toBeUndefined();
    await run('ip', ['link', 'del', s.br]);
  });

  it('a missing subnet file: code 11 saying flanneld has not written it; nothing written; DEL succeeds', async () => {
    const s = await setup();
    const conf = { ...s.conf, subnetFile: join(await makeTempDir('flannel-none'), 'subnet.env') };
    const ns = await idleNs();
    const r = await flannel('ADD', conf, { containerId: containerId(), netns: ns.path });
    expect(r.json).toMatchObject({ code: 11 });
    expect(r.json.msg).toMatch(/no such file or directory \(flanneld has not written it yet/);
    expect(readdirSync(s.d.dataDir)).toEqual([]);
    expect(await link(s.br)).toBeUndefined();
    const del = await flannel('DEL', conf, { containerId: containerId(), netns: ns.path });
    expect(del.code, del.stdout).toBe(0);
    const st = await flannel('STATUS', conf);
    expect(st.json).toMatchObject({ code: 50 });
    expect((await flannel('STATUS', s.conf)).code).toBe(0);
  });

  const badEnv: Array<[string, string, RegExp]> = [
    ['a line without "="', 'FLANNEL_NETWORK=10.153.0.0/16\nFLANNEL_SUBNET\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n', /line 2: no "=" in "FLANNEL_SUBNET"/],
    [
      'a malformed CIDR',
      'FLANNEL_NETWORK=10.153.0.0/16\nFLANNEL_SUBNET=10.153.1.1/40\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
      /line 2: FLANNEL_SUBNET: "10.153.1.1\/40" is not a CIDR/,
    ],
    ['a key missing', 'FLANNEL_NETWORK=10.153.0.0/16\nFLANNEL_SUBNET=10.153.1.1/24\nFLANNEL_IPMASQ=true\n', /is missing FLANNEL_MTU/],
    ['a bad MTU', 'FLANNEL_NETWORK=10.153.0.0/16\nFLANNEL_SUBNET=10.153.1.1/24\nFLANNEL_MTU=1450;x\nFLANNEL_IPMASQ=true\n', /line 3: FLANNEL_MTU/],
  ];
  it.each(badEnv)('a subnet file with %s: a spec error naming it, nothing changed (upstream panics or exits 2 on some)', async (_n, text, want) => {
    const s = await setup();
    writeFileSync(s.d.subnetFile, text);
    const ns = await idleNs();
    const r = await flannel('ADD', s.conf, { containerId: containerId(), netns: ns.path });
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(6);
    expect(r.json.msg).toMatch(want);
    expect(readdirSync(s.d.dataDir)).toEqual([]);
    expect(await link(s.br)).toBeUndefined();
  });

  const badConf: Array<[string, Record<string, unknown>, RegExp]> = [
    ['delegate with name', { delegate: { name: 'x' } }, /'delegate' dictionary must not have 'name' field/],
    ['delegate with ipam', { delegate: { ipam: { type: 'host-local' } } }, /'delegate' dictionary must not have 'ipam' field/],
    ['delegate type not a string', { delegate: { type: 1 } }, /must have \(string\) 'type' field/],
    ['delegate type a path', { delegate: { type: '/bin/sh' } }, /delegate\.type: plugin type "\/bin\/sh" must not contain a path separator/],
    ['dataDir with ..', { dataDir: '/tmp/../etc/cni-ts-evil' }, /dataDir: .* must not contain "\.\." components/],
    ['subnetFile relative', { subnetFile: 'subnet.env' }, /subnetFile: "subnet.env" is not an absolute path/],
    ['ipam.routes malformed', { ipam: { routes: [{ dst: '10.0.0.0' }] } }, /ipam\.routes\[0\]\.dst: invalid CIDR address/],
  ];
  it.each(badConf)('bad config, %s: code 7 naming it, nothing written', async (_n, extra, want) => {
    const s = await setup();
    const ns = await idleNs();
    const r = await flannel('ADD', { ...s.conf, ...extra }, { containerId: containerId(), netns: ns.path });
    expect(r.json).toMatchObject({ code: 7 });
    expect(r.json.msg).toMatch(want);
    expect(readdirSync(s.d.dataDir)).toEqual([]);
    expect(existsSync('/etc/cni-ts-evil')).toBe(false);
  });

  it('GC removes the saved file and the lease of an attachment no longer valid, and keeps the valid one', async () => {
    const s = await setup('10.153.4.1/24');
    const [ns1, ns2] = [await createNetns(), await createNetns()];
    const [a, b] = [containerId('a'), containerId('b')];
    expect((await flannel('ADD', s.conf, { containerId: a, netns: ns1.path })).code).toBe(0);
    expect((await flannel('ADD', s.conf, { containerId: b, netns: ns2.path })).code).toBe(0);
    // Another network's file in the same directory is not this GC's business.
    writeFileSync(join(s.d.dataDir, containerId('other')), '{"name":"another-net","type":"bridge"}');
    const gc = await flannel('GC', { ...s.conf, 'cni.dev/valid-attachments': [{ containerID: a, ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    expect(readdirSync(s.d.dataDir).sort()).toEqual([a, containerId('other')].sort());
    expect(leases(s.d, s.name)).toEqual(['10.153.4.2']);
    // Without the list nothing is collected.
    expect((await flannel('GC', s.conf)).code).toBe(0);
    expect(readdirSync(s.d.dataDir)).toContain(a);
    for (const [id, ns] of [
      [a, ns1],
      [b, ns2],
    ] as const) {
      expect((await flannel('DEL', s.conf, { containerId: id, netns: ns.path })).code).toBe(0);
    }
    expect(leases(s.d, s.name)).toEqual([]);
    await run('ip', ['link', 'del', s.br]);
  });

  it('SIGKILL of flannel before it saved anything, and while its delegate runs: DEL then leaves nothing', { timeout: 120_000 }, async () => {
    const s = await setup('10.153.5.1/24');
    for (const when of ['at once', 'once the file is saved'] as const) {
      const ns = await createNetns();
      const id = containerId(when === 'at once' ? 'k0' : 'k1');
      const env = { ...baseEnv(), CNI_COMMAND: 'ADD', CNI_CONTAINERID: id, CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: OUR_BIN_DIR };
      const p = execa(ourBin('flannel'), [], { input: JSON.stringify(s.conf), env, extendEnv: false, reject: false });
      // The saved file is written just before the delegate starts.
      for (let i = 0; when !== 'at once' && i < 1000 && !existsSync(join(s.d.dataDir, id)); i++) await new Promise((r) => setTimeout(r, 5));
      if (when !== 'at once') expect(existsSync(join(s.d.dataDir, id))).toBe(true);
      p.kill('SIGKILL');
      await p;
      // The delegate (bridge) goes on as an orphan: let it finish first.
      await waitProcsGone(id, 30_000);
      const del = await flannel('DEL', s.conf, { containerId: id, netns: ns.path });
      expect(del.code, `${when}: ${del.stdout}`).toBe(0);
      expect(readdirSync(s.d.dataDir), when).toEqual([]);
      expect(leases(s.d, s.name), when).toEqual([]);
      expect(await link('eth0', ns.name), when).toBeUndefined();
    }
    await run('ip', ['link', 'del', s.br]);
  });

  it('CHECK does nothing beyond reading the config, as upstream', async () => {
    const s = await setup();
    const ns = await idleNs();
    expect((await flannel('CHECK', s.conf, { containerId: containerId(), netns: ns.path })).code).toBe(0);
  });
});
