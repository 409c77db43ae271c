// macvlan, ours vs the Go reference (Debian's 1.1.1), from the same configs, each on its own node
// and LAN stand-in namespaces and subnet (ref 10.110.x, ours 10.111.x): results and the
// container's state (link kind, mode, MTU, MAC, addresses, routes, arp_notify) compared after
// normalising names and addresses; then the reference's bugs, each shown beside our behaviour.
import { beforeAll, describe, expect, it } from 'vitest';
import { haveOurBin, ipJson, must } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, leases, makeEnv, makeLan, normalise, snapshot, type Env, type Family, type Lan } from './helpers.ts';

useCleanup({ scope: 'all' });

const SUBNET = { ref: 110, ours: 111 } as const;
let caseNo = 100;
// One node and LAN per implementation for the cases that leave the master as it was (each case
// ends with DEL), the node with a default route via the master; its own for those that do not.
const lans: Partial<Record<'ref' | 'ours', Lan>> = {};

interface Case {
  title: string;
  fam: Family;
  extra?: Record<string, unknown>;
  version?: string;
  args?: string;
  /** The MAC the container must have (configured), else any. */
  mac?: string;
  /** IPAM routes with a gw (the reference's CHECK passes only then). */
  gwRoutes?: boolean;
}

const CASES: Case[] = [
  { title: 'IPv4, bridge mode (default)', fam: 'v4' },
  { title: 'dual stack', fam: 'dual' },
  { title: 'IPv6 only, routes with gw', fam: 'v6', gwRoutes: true },
  { title: 'layer 2 only (ipam {})', fam: 'none' },
  { title: 'private mode, mtu 1400', fam: 'v4', extra: { mode: 'private', mtu: 1400 } },
  { title: 'vepa mode, mac from the config', fam: 'v4', extra: { mode: 'vepa', mac: '02:11:22:33:44:51' }, mac: '02:11:22:33:44:51' },
  { title: 'passthru mode', fam: 'v4', extra: { mode: 'passthru' } },
  { title: 'cniVersion 0.4.0, MAC from CNI_ARGS', fam: 'v4', version: '0.4.0', args: 'IgnoreUnknown=1;MAC=02:11:22:33:44:52', mac: '02:11:22:33:44:52' },
  {
    title: 'cniVersion 0.3.1, runtimeConfig.mac over mac',
    fam: 'v4',
    version: '0.3.1',
    extra: { mac: '02:11:22:33:44:53', capabilities: { mac: true }, runtimeConfig: { mac: '02:11:22:33:44:54' } },
    mac: '02:11:22:33:44:54',
  },
  { title: 'master omitted: the default route interface of the node', fam: 'v4', extra: { master: '' } },
];

/** Routes in the results carry a gw in this case, so the reference's CHECK can pass too. */
function withGwRoutes(e: Env, c: Record<string, unknown>): Record<string, unknown> {
  const ipam = c.ipam as { routes?: Array<{ dst: string }> };
  return { ...c, ipam: { ...ipam, routes: [{ dst: 'fd00:ffff::/32', gw: `${e.lan.v6}fe` }] } };
}

describe.skipIf(!haveOurBin('macvlan'))('macvlan vs reference', () => {
  beforeAll(async () => {
    for (const impl of IMPLS) lans[impl] = await makeLan(SUBNET[impl], 1, { defaultRoute: true });
  });

  it.each(CASES)('$title', { timeout: 120_000 }, async (k) => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const e = await makeEnv(impl, 'macvlan', lans[impl]!);
        let c = conf(e, k.fam, k.extra, k.version);
        if (k.gwRoutes) c = withGwRoutes(e, c);
        const over = k.args ? { args: k.args } : {};
        const add = await call(e, 'ADD', c, over);
        expect(add.code, `${impl} ADD: ${add.stdout}${add.stderr}`).toBe(0);
        const mac = add.json.interfaces?.[0]?.mac ?? add.json.ip4?.mac;
        const state = await snapshot(e, mac);
        const check = await call(e, 'CHECK', { ...c, prevResult: add.json }, over);
        const del = await call(e, 'DEL', { ...c, prevResult: add.json }, over);
        const after = await snapshot(e);
        const del2 = await call(e, 'DEL', c, over);
        return { e, add, mac, state, check, del, after, del2, leases: await leases(e) };
      }),
    );
    const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
    const res = (r: typeof ref) => {
      const j = structuredClone(r.add.json);
      if (j.interfaces?.[0]) j.interfaces[0].mac = k.mac ? j.interfaces[0].mac : 'MAC';
      return normalise(r.e, j);
    };
    expect(res(ours)).toEqual(res(ref));
    if (k.mac) expect(ours.mac).toBe(k.mac);
    const os = normalise(ours.e, ours.state) as any;
    const rs = normalise(ref.e, ref.state) as any;
    // Upstream sets ndisc_notify since v1.4.0; Debian's 1.1.1 does not.
    expect(os.container.ndisc_notify).toBe(k.fam === 'none' ? '0' : '1');
    expect(rs.container.ndisc_notify).toBe('0');
    delete os.container.ndisc_notify;
    delete rs.container.ndisc_notify;
    expect(os).toEqual(rs);
    expect(os.container.macIsResults).toBe(true);
    // CHECK: ours passes; the reference fails whenever a route was given without gw (its
    // ADD installed it via the gateway, its CHECK looks for no gateway).
    if (k.version === '0.3.1') {
      for (const r of [ref, ours]) expect(r.check.json?.msg).toBe('config version does not allow CHECK');
    } else {
      expect(ours.check.code, ours.check.stdout).toBe(0);
      if (k.fam !== 'none' && !k.gwRoutes) expect(ref.check.json?.msg, ref.check.stdout).toMatch(/^Failed to find route|Expected Route/);
      else expect(ref.check.code, ref.check.stdout).toBe(0);
    }
    for (const r of [ref, ours]) {
      expect(r.del.code, r.del.stdout).toBe(0);
      expect(r.del2.code, r.del2.stdout).toBe(0);
      expect(r.after.links).toEqual(['lo']);
      expect(r.leases).toEqual([]);
    }
  });

  it('an ADD whose IPAM fails: the reference leaves the macvlan link in the container, ours leaves nothing', async () => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const e = await makeEnv(impl, 'macvlan', lans[impl]!);
        const r = await call(e, 'ADD', { ...conf(e, 'v4'), ipam: { type: `${e.net}-no-such-ipam` } });
        return { r, links: (await ipJson<any[]>(['link', 'show'], e.ns.name)).map((l) => l.ifname).sort() };
      }),
    );
    const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
    expect(ref.r.code).not.toBe(0);
    expect(ours.r.code).not.toBe(0);
    expect(ours.r.json?.msg).toMatch(/failed to find plugin/);
    expect(ref.links).toEqual(['eth0', 'lo']);
    expect(ours.links).toEqual(['lo']);
  });

  it('an ADD failing after IPAM (a route the kernel refuses): the reference keeps the link; ours removes it and the lease', async () => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const e = await makeEnv(impl, 'macvlan', lans[impl]!);
        const c = conf(e, 'v4');
        const ipam = c.ipam as Record<string, unknown>;
        const r = await call(e, 'ADD', { ...c, ipam: { ...ipam, routes: [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }] } });
        return { r, links: (await ipJson<any[]>(['link', 'show'], e.ns.name)).map((l) => l.ifname).sort(), leases: await leases(e) };
      }),
    );
    const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
    expect(ref.r.code).not.toBe(0);
    expect(ours.r.code).not.toBe(0);
    expect(ours.r.json?.msg).toMatch(/failed to add route '192\.0\.2\.0\/24 via 198\.51\.100\.1 dev eth0'/);
    expect(ref.links).toEqual(['eth0', 'lo']);
    expect(ours.links).toEqual(['lo']);
    expect(ours.leases).toEqual([]);
  });

  it('a missing master: the reference says only "Link not found"; ours names the master', async () => {
    const msgs = await Promise.all(
      IMPLS.map(async (impl) => {
        const e = await makeEnv(impl, 'macvlan', lans[impl]!);
        return (await call(e, 'ADD', { ...conf(e, 'v4'), master: 'nosuchlink0' })).json?.msg;
      }),
    );
    expect(msgs[0]).toBe('Link not found');
    expect(msgs[1]).toBe('failed to lookup master "nosuchlink0": no link of that name in the host namespace');
  });

  it('DEL after the master is gone: Debian 1.1.1 fails (fixed upstream in v1.4.0), ours succeeds', async () => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const e = await makeEnv(impl, 'macvlan', await makeLan(SUBNET[impl], ++caseNo));
        const c = conf(e, 'v4');
        const add = await call(e, 'ADD', c);
        expect(add.code, add.stdout).toBe(0);
        await must('ip', ['-n', e.lan.node.name, 'link', 'del', e.lan.master]);
        const del = await call(e, 'DEL', { ...c, prevResult: add.json });
        return { del, leases: await leases(e) };
      }),
    );
    expect(out[0]!.del.json?.msg).toBe('Link not found');
    expect(out[1]!.del.code, out[1]!.del.stdout).toBe(0);
    expect(out[1]!.leases).toEqual([]);
  });
});
