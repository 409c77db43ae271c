// loopback by direct invocation: DEL idempotency and odd netns values, CHECK failures, ADD errors
// (spec "CNI operations" ADD, DEL, CHECK and STATUS, as they apply to loopback), next to the reference.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  containerId,
  createNetns,
  deleteNetns,
  haveOurBin,
  isUp,
  link,
  makeTempDir,
  must,
  netName,
  ourBin,
  refBin,
  refCniPath,
  runPlugin,
  addrs,
  type Netns,
  type PluginInvocation,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { expectEmptySuccess, expectError, expectJsonSuccess, pMap } from '../skeleton/helpers.ts';

useCleanup({ scope: 'all' });

const OURS = ourBin('loopback');
const REF = refBin('loopback');
const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.0.0') => ({ cniVersion, name: netName(), type: 'loopback', ...extra });
const inv = (command: string, netns: string | undefined, over: Partial<PluginInvocation> = {}): PluginInvocation => ({
  command,
  containerId: containerId(),
  netns,
  ifname: 'lo',
  path: refCniPath(),
  ...over,
});
const loUp = async (ns: Netns) => isUp(await link('lo', ns.path));

describe.skipIf(!haveOurBin('loopback'))('loopback DEL always succeeds when nothing is left', () => {
  it('DEL with empty/unset CNI_NETNS, a deleted netns, a plain file, without ADD, twice, with and without prevResult', async () => {
    const gone = await createNetns();
    await deleteNetns(gone);
    const plain = join(await makeTempDir('plain'), 'netns');
    await writeFile(plain, '');
    const fresh = await createNetns();
    const cases: Array<[string, PluginInvocation, object]> = [
      ['CNI_NETNS unset', inv('DEL', undefined), conf()],
      ['CNI_NETNS empty', inv('DEL', ''), conf()],
      ['deleted netns path', inv('DEL', gone.path), conf()],
      ['path is a plain file', inv('DEL', plain), conf()],
      ['never added', inv('DEL', fresh.path), conf()],
      ['prevResult {}', inv('DEL', fresh.path), conf({ prevResult: {} })],
      ['0.2.0 config, no netns', inv('DEL', ''), conf({}, '0.2.0')],
    ];
    await pMap(cases, async ([label, i, c]) => {
      const r = await runPlugin(OURS, i, c);
      expect(r.code, label).toBe(0);
      expectEmptySuccess(r);
    });
    // The reference agrees except on the plain file, which it reports (unknown FS magic): we treat a
    // mount point left behind as a namespace that is gone (spec "DEL: Remove container from network, or un-apply modifications": DEL is best-effort).
    expectError(await runPlugin(REF, inv('DEL', plain), conf()), 999, /unknown FS magic/);
    for (const netns of [undefined, '', gone.path, fresh.path]) expectEmptySuccess(await runPlugin(REF, inv('DEL', netns), conf()));
    expect(await loUp(fresh)).toBe(false);
  });

  it('ADD → DEL (prevResult) → DEL (none) → ADD again → DEL', async () => {
    const ns = await createNetns();
    const c = conf();
    const i = inv('ADD', ns.path);
    const add = expectJsonSuccess(await runPlugin(OURS, i, c));
    expect(await loUp(ns)).toBe(true);
    expectEmptySuccess(await runPlugin(OURS, { ...i, command: 'DEL' }, { ...c, prevResult: add }));
    expect(await loUp(ns)).toBe(false);
    // Down lo keeps 127.0.0.1 but the kernel drops ::1 (as with the reference).
    expect((await addrs('lo', ns.path)).map((a) => a.local)).toEqual(['127.0.0.1']);
    expectEmptySuccess(await runPlugin(OURS, { ...i, command: 'DEL' }, c));
    expect(expectJsonSuccess(await runPlugin(OURS, i, c))).toStrictEqual(add);
    expect(await loUp(ns)).toBe(true);
    expectEmptySuccess(await runPlugin(OURS, { ...i, command: 'DEL' }, { ...c, prevResult: add }));
    expect(await loUp(ns)).toBe(false);
  });
});

describe.skipIf(!haveOurBin('loopback'))('loopback ADD', () => {
  it('ADD twice is fine (lo always exists, so the spec interface-exists error does not apply), CNI_IFNAME is ignored (always lo) like the reference', async () => {
    const [ns, refNs] = await Promise.all([createNetns(), createNetns()]);
    const c = conf();
    const i = inv('ADD', ns.path);
    const first = expectJsonSuccess(await runPlugin(OURS, i, c));
    expect(expectJsonSuccess(await runPlugin(OURS, i, c))).toStrictEqual(first);
    const eth0 = expectJsonSuccess(await runPlugin(OURS, { ...i, ifname: 'eth0' }, c));
    const refEth0 = expectJsonSuccess(await runPlugin(REF, { ...i, netns: refNs.path, ifname: 'eth0' }, c));
    expect(eth0).toStrictEqual(first);
    expect(JSON.stringify(eth0).replaceAll(ns.path, '<ns>')).toBe(JSON.stringify(refEth0).replaceAll(refNs.path, '<ns>'));
    expect(eth0.interfaces).toEqual([{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ns.path }]);
  });

  it('a non-existent or non-netns CNI_NETNS is an error and creates nothing', async () => {
    const plain = join(await makeTempDir('plain'), 'netns');
    await writeFile(plain, '');
    const gone = await createNetns();
    await deleteNetns(gone);
    for (const netns of [gone.path, plain, '/nonexistent/netns']) {
      expectError(await runPlugin(OURS, inv('ADD', netns), conf()), 999, /no such file|not a network namespace/);
      expectError(await runPlugin(REF, inv('ADD', netns), conf()), 999); // (reference wording: "failed to Statfs …" / "unknown FS magic …")
      expectError(await runPlugin(OURS, inv('CHECK', netns), conf()), 999);
    }
    // Nothing was created next to the plain file (e.g. no netns mounted over it).
    expect((await must('ls', ['-A', join(plain, '..')])).trim()).toBe('netns');
  });

  it.each([
    ['IPv4', '10.213.7.9/32', '10.213.7.9'],
    ['IPv6', '2001:db8::5/128', '2001:db8::5'],
  ])('lo with a non-loopback %s address: the reference error', async (_fam, cidr, ip) => {
    const [ns, refNs] = await Promise.all([createNetns(), createNetns()]);
    for (const n of [ns, refNs]) await must('ip', ['-n', n.name, 'addr', 'add', cidr, 'dev', 'lo']);
    const c = conf();
    const e = expectError(await runPlugin(OURS, inv('ADD', ns.path), c), 999);
    const refE = expectError(await runPlugin(REF, inv('ADD', refNs.path), c), 999);
    expect(e.msg).toBe(`loopback interface found with non-loopback address "${ip}"`);
    expect(e.msg).toBe(refE.msg);
  });

  it('generic keys are accepted: capabilities, runtimeConfig, args, cni.dev/x, dns, unknown keys, CNI_ARGS', async () => {
    const ns = await createNetns();
    const c = conf({
      capabilities: { portMappings: true, 'cni.dev/x': true },
      runtimeConfig: { portMappings: [] },
      args: { cni: { labels: [{ key: 'a', value: 'b' }] } },
      'cni.dev/x': { y: 1 },
      dns: { nameservers: ['10.0.0.1'] },
      someUnknownKey: [1, 2, 3],
      ipam: {},
    });
    for (const args of ['IgnoreUnknown=1;K8S_POD_NAME=x;FOO=bar', 'FOO=bar', '']) {
      const r = expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path, { args }), c));
      expect(r.ips).toHaveLength(2);
      expectEmptySuccess(await runPlugin(OURS, inv('CHECK', ns.path, { args }), { ...c, prevResult: r }));
    }
    // STATUS reports ready, and ADD/DEL keep working after it (spec "STATUS: Check plugin status").
    expectEmptySuccess(await runPlugin(OURS, { command: 'STATUS' }, { ...c, cniVersion: '1.1.0' }));
    expectEmptySuccess(await runPlugin(OURS, inv('DEL', ns.path), c));
    expect(await loUp(ns)).toBe(false);
  });
});

describe.skipIf(!haveOurBin('loopback'))('loopback as a chained plugin: prevResult passes through', () => {
  const bridgeLike = (v: string) => ({
    cniVersion: v,
    interfaces: [
      { name: 'br0', mac: '0a:58:0a:00:00:01' },
      { name: 'eth0', mac: '0a:58:0a:00:00:02', sandbox: '/var/run/netns/x' },
    ],
    ips: [
      { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 1 },
      { address: 'fd00::2/64', gateway: 'fd00::1', interface: 1 },
    ],
    routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
    dns: { nameservers: ['10.0.0.1'], search: ['example'] },
  });

  it('same version: prevResult printed unchanged; without cniVersion it is taken as the config version', async () => {
    const ns = await createNetns();
    for (const v of ['1.0.0', '1.1.0']) {
      const prev = bridgeLike(v);
      expect(expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: prev }, v)))).toStrictEqual(prev);
      const { cniVersion: _v, ...noVersion } = prev;
      expect(expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: noVersion }, v)))).toStrictEqual(prev);
    }
    const prev04 = { ...bridgeLike('0.4.0'), ips: bridgeLike('').ips.map((ip) => ({ version: ip.address.includes(':') ? '6' : '4', ...ip })) };
    expect(expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: prev04 }, '0.4.0')))).toStrictEqual(prev04);
    // The reference agrees on the 1.0.0 passthrough byte for byte.
    const c = conf({ prevResult: bridgeLike('1.0.0') });
    const ours = await runPlugin(OURS, inv('ADD', ns.path), c);
    const ref = await runPlugin(REF, inv('ADD', ns.path), c);
    expect(ours.stdout).toBe(ref.stdout);
    expect(await loUp(ns)).toBe(true); // lo still raised
  });

  it('prevResult converted to the config version within its family; legacy ip4/ip6 at 0.2.0', async () => {
    const ns = await createNetns();
    // 1.0.0 prevResult in a 1.1.0 config: relabelled.
    const r11 = expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: bridgeLike('1.0.0') }, '1.1.0')));
    expect(r11).toStrictEqual(bridgeLike('1.1.0'));
    // 0.3.1 prevResult in a 0.4.0 config.
    const prev031 = { ...bridgeLike('0.3.1'), ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 1 }] };
    const r04 = expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: prev031 }, '0.4.0')));
    expect(r04).toStrictEqual({ ...prev031, cniVersion: '0.4.0' });
    // 0.2.0.
    const prev02 = { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }] }, dns: {} };
    const r02 = expectJsonSuccess(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult: prev02 }, '0.2.0')));
    expect(r02).toStrictEqual(prev02);
  });

  it('a prevResult that cannot be parsed is an error', async () => {
    const ns = await createNetns();
    for (const prevResult of [
      { cniVersion: '1.0.0', ips: 'nope' },
      { cniVersion: '7.0.0', ips: [] },
    ]) {
      expectError(await runPlugin(OURS, inv('ADD', ns.path), conf({ prevResult })), undefined, /prevResult/);
    }
  });
});

describe.skipIf(!haveOurBin('loopback'))('loopback CHECK', () => {
  it('passes after ADD, fails after lo is set down out-of-band, fails after DEL (same message as the reference)', async () => {
    const ns = await createNetns();
    const c = conf();
    const i = inv('ADD', ns.path);
    const add = expectJsonSuccess(await runPlugin(OURS, i, c));
    const check = { ...i, command: 'CHECK' };
    expectEmptySuccess(await runPlugin(OURS, check, { ...c, prevResult: add }));
    // CHECK without prevResult (runtime lost its cache) still judges the namespace.
    expectEmptySuccess(await runPlugin(OURS, check, c));
    await must('ip', ['-n', ns.name, 'link', 'set', 'lo', 'down']);
    const e = expectError(await runPlugin(OURS, check, { ...c, prevResult: add }), 999, 'loopback interface is down');
    const refE = expectError(await runPlugin(REF, check, { ...c, prevResult: add }), 999);
    expect(e.msg).toBe(refE.msg);
    await must('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
    expectEmptySuccess(await runPlugin(OURS, check, { ...c, prevResult: add }));
    expectEmptySuccess(await runPlugin(OURS, { ...i, command: 'DEL' }, { ...c, prevResult: add }));
    expectError(await runPlugin(OURS, check, { ...c, prevResult: add }), 999, 'loopback interface is down');
  });
});
