// vrf: ours against the Go reference (1.1.1) where the kernel has VRF support, and what needs no
// VRF anywhere: bad input, an interface that already has a master, DEL with nothing to delete.
// Support is probed in a throwaway `unshare -n`, never on the host.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { binFor, createNetns, haveOurBin, must, nextId, runPlugin, type Impl, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'each' });

const probe = spawnSync('unshare', ['-n', 'ip', 'link', 'add', 'cnits-probe', 'type', 'vrf', 'table', '1'], { encoding: 'utf8' });
const NO_VRF = probe.status === 0 ? '' : `this kernel cannot make a VRF (${(probe.stderr || probe.error?.message || '').trim()})`;
const IMPLS: Impl[] = ['ref', 'ours'];

async function makeCtr(): Promise<Netns> {
  const ns = await createNetns(`vrf${nextId()}`);
  const lines = [
    'link add eth0 type veth peer name p0',
    'link set eth0 up',
    'link set p0 up',
    'addr add 10.162.1.2/24 dev eth0',
    'addr add fd00:162::2/64 dev eth0 nodad',
    'route add 10.162.9.0/24 via 10.162.1.1',
  ];
  await must('ip', ['-n', ns.name, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  return ns;
}

const conf = (ns: Netns, extra: Record<string, unknown>) => ({
  cniVersion: '1.0.0',
  name: 'vrf-test',
  type: 'vrf',
  prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: ns.path }], ips: [{ address: '10.162.1.2/24', interface: 0 }] },
  ...extra,
});
const call = (impl: Impl, ns: Netns, command: string, cf: unknown, ifname = 'eth0') =>
  runPlugin(binFor(impl, 'vrf'), { command, containerId: 'ctr-vrf', netns: ns.path, ifname }, cf as object);

/** Links (name, kind, master, VRF table), addresses and the routes of every table but local. */
async function snapshot(ns: Netns) {
  const links = JSON.parse(await must('ip', ['-n', ns.name, '-j', '-d', 'link', 'show'])) as any[];
  const addrs = (await must('ip', ['-n', ns.name, '-br', 'addr', 'show'])).trim().split('\n').sort();
  const routes = [
    ...(await must('ip', ['-n', ns.name, '-4', 'route', 'show', 'table', 'all'])).split('\n'),
    ...(await must('ip', ['-n', ns.name, '-6', 'route', 'show', 'table', 'all'])).split('\n'),
  ]
    .map((l) => l.trim())
    .filter((l) => l && !/table local/.test(l))
    .sort();
  return {
    links: links.map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind,
      master: l.master,
      table: l.linkinfo?.info_data?.table,
      up: l.flags.includes('UP'),
    })),
    addrs,
    routes,
  };
}

describe.skipIf(!haveOurBin('vrf'))('vrf', () => {
  it.skipIf(NO_VRF !== '')(`create, enslave (IPv6 addresses and routes kept), CHECK, DEL: as the reference ${NO_VRF}`, async () => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const ns = await makeCtr();
        const cf = conf(ns, { vrfname: 'red' });
        const add = await call(impl, ns, 'ADD', cf);
        const afterAdd = await snapshot(ns);
        const check = await call(impl, ns, 'CHECK', cf);
        const del = await call(impl, ns, 'DEL', cf);
        return { add, afterAdd, check, del, afterDel: await snapshot(ns) };
      }),
    );
    const [r, o] = out as [(typeof out)[0], (typeof out)[0]];
    for (const x of [r, o]) {
      expect(x.add.code, x.add.stdout).toBe(0);
      expect(x.check.code, x.check.stdout).toBe(0);
      expect(x.del.code, x.del.stdout).toBe(0);
    }
    expect(o.afterAdd).toEqual(r.afterAdd);
    expect(o.afterAdd.addrs.join(' ')).toMatch(/fd00:162::2\/64/);
    expect(o.afterAdd.routes).toContain('10.162.9.0/24 via 10.162.1.1 dev eth0 table 1');
    expect(o.afterDel).toEqual(r.afterDel);
    expect(o.afterDel.links.some((l) => l.name === 'red')).toBe(false);
  });

  it.skipIf(NO_VRF !== '')(`reuse and table conflict: as the reference ${NO_VRF}`, async () => {
    for (const impl of IMPLS) {
      const ns = await makeCtr();
      await must('ip', ['-n', ns.name, 'link', 'add', 'net1', 'type', 'veth', 'peer', 'name', 'p1']);
      expect((await call(impl, ns, 'ADD', conf(ns, { vrfname: 'red', table: 42 }))).code).toBe(0);
      expect((await call(impl, ns, 'ADD', conf(ns, { vrfname: 'red' }), 'net1')).code).toBe(0);
      const bad = await call(impl, ns, 'ADD', conf(ns, { vrfname: 'red', table: 7 }), 'p1');
      expect(bad.json.msg).toMatch(/VRF red already exist with different routing table 42/);
      // DEL of one member keeps the VRF; of the last, removes it
      expect((await call(impl, ns, 'DEL', conf(ns, { vrfname: 'red' }))).code).toBe(0);
      expect((await snapshot(ns)).links.some((l) => l.name === 'red')).toBe(true);
      expect((await call(impl, ns, 'DEL', conf(ns, { vrfname: 'red' }), 'net1')).code).toBe(0);
      expect((await snapshot(ns)).links.some((l) => l.name === 'red')).toBe(false);
    }
  });

  it('an interface that already has a master: an error before any VRF is made', async () => {
    const ns = await makeCtr();
    await must('ip', ['-n', ns.name, 'link', 'add', 'br0', 'type', 'bridge']);
    await must('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'master', 'br0']);
    const before = await snapshot(ns);
    const r = await call('ours', ns, 'ADD', conf(ns, { vrfname: 'red' }));
    expect(r.code).not.toBe(0);
    expect(r.json.msg).toBe('cmdAdd failed: interface eth0 has already a master set: br0');
    expect(await snapshot(ns)).toEqual(before);
  });

  it('bad input: a spec error naming the field, nothing changed (the reference fails too)', async () => {
    const ns = await makeCtr();
    const before = await snapshot(ns);
    for (const [extra, re] of [
      [{}, /^vrfname: /],
      [{ vrfname: '' }, /^vrfname: /],
      [{ vrfname: 'a;b' }, /^vrfname: /],
      [{ vrfname: 'red', table: 'x' }, /table: /],
      [{ vrfname: 'red', table: -1 }, /table: must be at least 0/],
    ] as const) {
      const o = await call('ours', ns, 'ADD', conf(ns, extra));
      expect(o.json?.code, JSON.stringify(extra)).toBe(7);
      expect(o.json.msg).toMatch(re);
      if ('table' in extra) expect((await call('ref', ns, 'ADD', conf(ns, extra))).code, JSON.stringify(extra)).not.toBe(0);
    }
    expect(await snapshot(ns)).toEqual(before);
  });

  it('DEL with the VRF or the namespace gone succeeds (both)', async () => {
    const ns = await makeCtr();
    for (const impl of IMPLS) {
      expect((await call(impl, ns, 'DEL', conf(ns, { vrfname: 'red' }))).code, impl).toBe(0);
      expect((await call(impl, { ...ns, path: `${ns.path}-gone` }, 'DEL', conf(ns, { vrfname: 'red' }))).code, impl).toBe(0);
    }
  });
});
