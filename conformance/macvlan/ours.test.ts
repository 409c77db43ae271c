// macvlan on its own: traffic between two containers in bridge mode and to a LAN peer, a master
// inside the container (linkInContainer), bad input that must change nothing, DEL when things are
// gone, STATUS and GC, and a run entered with setns() alone. Subnets 10.112.x / fd00:112:x::.
import { beforeAll, describe, expect, it } from 'vitest';
import { OUR_BIN_DIR, containerId, deleteNetns, haveOurBin, ipJson, must, ourBin, runPlugin } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, leases, makeEnv, makeLan, pings, type Env, type Lan } from './helpers.ts';

useCleanup({ scope: 'all' });

const names = async (ns: string) => (await ipJson<Array<{ ifname: string }>>(['link', 'show'], ns)).map((l) => l.ifname).sort();

describe.skipIf(!haveOurBin('macvlan'))('macvlan (ours)', () => {
  let lan: Lan;
  beforeAll(async () => {
    lan = await makeLan(112, 1);
  });

  it('two containers in bridge mode reach each other and the LAN peer; CHECK passes; DEL leaves nothing', async () => {
    const [a, b] = [await makeEnv('ours', 'macvlan', lan), await makeEnv('ours', 'macvlan', lan)];
    b.net = a.net;
    b.dataDir = a.dataDir;
    const c = conf(a, 'dual');
    const ra = await call(a, 'ADD', c);
    expect(ra.code, ra.stdout + ra.stderr).toBe(0);
    const rb = await call(b, 'ADD', c);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    const ipA = ra.json.ips[0].address.split('/')[0];
    const ipB = rb.json.ips[0].address.split('/')[0];
    const ip6B = rb.json.ips[1].address.split('/')[0];
    expect(ipA).toMatch(/^10\.112\.1\./);
    expect(await pings(a.ns, ipB)).toBe(true);
    expect(await pings(b.ns, ipA)).toBe(true);
    expect(await pings(a.ns, ip6B)).toBe(true);
    expect(await pings(a.ns, `${lan.v4}254`)).toBe(true);
    expect(await pings(b.ns, `${lan.v6}fe`)).toBe(true);
    // The LAN peer sees each container by its own MAC.
    const neigh = await ipJson<Array<{ dst: string; lladdr?: string }>>(['neigh', 'show', 'dev', lan.peer], lan.lan.name);
    expect(neigh.find((x) => x.dst === ipA)?.lladdr).toBe(ra.json.interfaces[0].mac);
    for (const [e, r] of [
      [a, ra],
      [b, rb],
    ] as const) {
      const chk = await call(e, 'CHECK', { ...c, prevResult: r.json });
      expect(chk.code, chk.stdout).toBe(0);
    }
    const nodeBefore = await names(lan.node.name);
    for (const e of [a, b]) {
      const del = await call(e, 'DEL', c);
      expect(del.code, del.stdout).toBe(0);
      expect(await names(e.ns.name)).toEqual(['lo']);
    }
    expect(await leases(a)).toEqual([]);
    expect(await names(lan.node.name)).toEqual(nodeBefore);
  });

  it('CHECK notices a changed mode, a changed MAC, a missing address', async () => {
    const e = await makeEnv('ours', 'macvlan', lan);
    const c = conf(e, 'v4');
    const r = await call(e, 'ADD', c);
    expect(r.code, r.stdout).toBe(0);
    const chk = (extra: Record<string, unknown>) => call(e, 'CHECK', { ...c, ...extra, prevResult: r.json });
    expect((await chk({ mode: 'vepa' })).json?.msg).toBe('container macvlan mode bridge does not match expected value: vepa');
    expect((await chk({ mtu: 9000 })).json?.msg).toMatch(/^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\] \(master "/);
    await must('ip', ['-n', e.ns.name, 'link', 'set', 'eth0', 'address', '02:00:00:00:00:42']);
    expect((await chk({})).json?.msg).toMatch(/^Interface eth0 Mac .* doesn't match container Mac: 02:00:00:00:00:42$/);
    await must('ip', ['-n', e.ns.name, 'link', 'set', 'eth0', 'address', r.json.interfaces[0].mac]);
    await must('ip', ['-n', e.ns.name, 'addr', 'flush', 'dev', 'eth0']);
    expect((await chk({})).json?.msg).toMatch(/^Failed to match addr 10\.112\.1\.\d+\/24 on interface eth0$/);
    expect((await call(e, 'DEL', c)).code).toBe(0);
  });

  describe('bad input: a spec error naming the field, and nothing created (no link, no lease)', () => {
    const cases: Array<[string, (e: Env) => Record<string, unknown>, RegExp, string?]> = [
      [
        'missing master',
        (e) => ({ ...conf(e, 'v4'), master: 'nosuchlink0' }),
        /^failed to lookup master "nosuchlink0": no link of that name in the host namespace$/,
      ],
      [
        'master in another namespace (the LAN peer)',
        (e) => ({ ...conf(e, 'v4'), master: e.lan.peer }),
        /^failed to lookup master ".*": no link of that name in the host namespace$/,
      ],
      ['unknown mode', (e) => ({ ...conf(e, 'v4'), mode: 'source' }), /^mode: unknown macvlan mode: "source"/],
      ['MTU above the master', (e) => ({ ...conf(e, 'v4'), mtu: 9000 }), /^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\] \(master "[^"]+"\)$/],
      ['malformed mac', (e) => ({ ...conf(e, 'v4'), mac: '02:00:00:00:00' }), /^mac: "02:00:00:00:00" is not a valid Ethernet MAC address$/],
      ['multicast runtimeConfig.mac', (e) => ({ ...conf(e, 'v4'), runtimeConfig: { mac: '03:00:00:00:00:01' } }), /^runtimeConfig\.mac: .* multicast/],
      ['malformed CNI_ARGS MAC', (e) => conf(e, 'v4'), /^CNI_ARGS MAC: /, 'MAC=nope'],
      [
        'master inside the container that is not there (linkInContainer)',
        (e) => ({ ...conf(e, 'v4'), linkInContainer: true }),
        /^failed to lookup master ".*": no link of that name in the container namespace/,
      ],
    ];
    it.each(cases)('%s', async (_t, mk, msg, args) => {
      const e = await makeEnv('ours', 'macvlan', lan);
      const nodeBefore = await names(lan.node.name);
      const r = await call(e, 'ADD', mk(e), args ? { args } : {});
      expect(r.code).not.toBe(0);
      expect(r.json?.msg, r.stdout).toMatch(msg);
      expect(await names(e.ns.name)).toEqual(['lo']);
      expect(await names(lan.node.name)).toEqual(nodeBefore);
      expect(await leases(e)).toEqual([]);
    });
  });

  it('linkInContainer: the master lives in the container namespace', async () => {
    const e = await makeEnv('ours', 'macvlan', lan);
    // A second link to the LAN, made inside the container.
    const inner = `${lan.master}i`;
    await must('ip', ['-n', lan.lan.name, 'link', 'add', `${lan.peer}i`, 'type', 'veth', 'peer', 'name', inner, 'netns', e.ns.name]);
    await must('ip', ['-n', lan.lan.name, 'link', 'set', `${lan.peer}i`, 'up']);
    await must('ip', ['-n', lan.lan.name, 'addr', 'add', '10.112.2.254/24', 'dev', `${lan.peer}i`]);
    await must('ip', ['-n', e.ns.name, 'link', 'set', inner, 'up']);
    const c = {
      ...conf(e, 'none'),
      master: inner,
      linkInContainer: true,
      ipam: { type: 'host-local', dataDir: e.dataDir, ranges: [[{ subnet: '10.112.2.0/24', rangeStart: '10.112.2.10', rangeEnd: '10.112.2.20' }]] },
    };
    const r = await call(e, 'ADD', c);
    expect(r.code, r.stdout).toBe(0);
    const l = (await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], e.ns.name))[0];
    expect(l.linkinfo.info_kind).toBe('macvlan');
    expect(l.link).toBe(inner);
    expect(await pings(e.ns, '10.112.2.254')).toBe(true);
    expect((await call(e, 'CHECK', { ...c, prevResult: r.json })).code).toBe(0);
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect(await names(e.ns.name)).toEqual(['lo', inner].sort());
  });

  it('DEL succeeds when the link, the namespace or CNI_NETNS is gone, and releases the lease', async () => {
    const e = await makeEnv('ours', 'macvlan', lan);
    const c = conf(e, 'v4');
    expect((await call(e, 'ADD', c)).code).toBe(0);
    await must('ip', ['-n', e.ns.name, 'link', 'del', 'eth0']);
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect((await call(e, 'ADD', c)).code).toBe(0);
    await deleteNetns(e.ns);
    const del = await call(e, 'DEL', c);
    expect(del.code, del.stdout).toBe(0);
    expect(await leases(e)).toEqual([]);
    expect((await call(e, 'DEL', c, { netns: '' })).code).toBe(0);
  });

  it('STATUS asks IPAM; GC releases the leases of attachments no longer valid (our host-local: 1.1.1 has no 1.1.0)', async () => {
    const e = await makeEnv('ours', 'macvlan', lan);
    const c = { ...conf(e, 'v4'), cniVersion: '1.1.0' };
    const path = OUR_BIN_DIR;
    expect((await call(e, 'STATUS', c, { path })).code).toBe(0);
    const missing = await call(e, 'STATUS', { ...c, ipam: { type: 'no-such-ipam' } }, { path });
    expect(missing.json?.code).toBe(50);
    expect((await call(e, 'STATUS', { ...conf(e, 'none'), cniVersion: '1.1.0' }, { path })).code).toBe(0);
    expect((await call(e, 'ADD', c, { path })).code).toBe(0);
    expect(await leases(e)).toHaveLength(1);
    const gc = await call(e, 'GC', { ...c, 'cni.dev/valid-attachments': [{ containerID: containerId(), ifname: 'eth0' }] }, { path });
    expect(gc.code, gc.stdout).toBe(0);
    expect(await leases(e)).toEqual([]);
    expect((await call(e, 'DEL', c, { path })).code).toBe(0);
  });

  it('entered with setns() alone (stale /sys): ADD, CHECK and DEL work', async () => {
    const e = await makeEnv('ours', 'macvlan', lan);
    // A node whose default route is via its own master.
    const own = await makeLan(112, 3, { defaultRoute: true });
    const c0 = conf(e, 'v4', { master: '' });
    const c = { ...c0, ipam: { ...(c0.ipam as object), ranges: [[{ subnet: '10.112.3.0/24', rangeStart: '10.112.3.10', rangeEnd: '10.112.3.20' }]] } };
    const callSetns = (command: string, stdin: object) =>
      runPlugin(
        ourBin('macvlan'),
        { command, containerId: e.cid, netns: e.ns.path, ifname: 'eth0', inNetns: own.node.name, setnsOnly: true, path: '/usr/lib/cni' },
        stdin,
      );
    const add = await callSetns('ADD', c);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const masterIndex = (await ipJson<any[]>(['link', 'show', own.master], own.node.name))[0].ifindex;
    expect((await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], e.ns.name))[0].link_index).toBe(masterIndex);
    expect((await callSetns('CHECK', { ...c, prevResult: add.json })).code).toBe(0);
    expect((await callSetns('DEL', c)).code).toBe(0);
    expect(await names(e.ns.name)).toEqual(['lo']);
  });
});
