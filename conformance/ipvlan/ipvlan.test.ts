// ipvlan, ours and the Go reference (Debian's 1.1.1), on node and LAN stand-in namespaces like
// macvlan's (conformance/macvlan/helpers.ts). The kernel may lack ipvlan: support is probed in a
// throwaway `unshare -n`, and the tests that need the link type skip with the reason; on a kernel
// without it, what can still be shown runs: ADD fails cleanly (no link, no lease), DEL and STATUS
// work. Subnets 10.113.x / fd00:113:x:: (ours), 10.114.x (ref).
import { beforeAll, describe, expect, it } from 'vitest';
import { haveOurBin, ipJson, run } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, leases, makeEnv, makeLan, normalise, pings, snapshot, type Lan } from '../macvlan/helpers.ts';

useCleanup({ scope: 'all' });

/** Why ipvlan links cannot be made here, or undefined when they can (probed in a namespace thrown away at once). */
const noIpvlan = await (async (): Promise<string | undefined> => {
  const r = await run('unshare', ['-n', 'sh', '-c', 'ip link add l0 type veth peer name l1 && ip link add link l0 name i0 type ipvlan mode l2']);
  return r.code === 0 ? undefined : `this kernel cannot make ipvlan links: ${r.stderr.trim()}`;
})();
if (noIpvlan) console.log(`skipped (ipvlan link tests): ${noIpvlan}`);

const SUBNET = { ref: 114, ours: 113 } as const;
const names = async (ns: string) => (await ipJson<Array<{ ifname: string }>>(['link', 'show'], ns)).map((l) => l.ifname).sort();

describe.skipIf(!haveOurBin('ipvlan'))('ipvlan', () => {
  const lans: Partial<Record<'ref' | 'ours', Lan>> = {};
  beforeAll(async () => {
    for (const impl of IMPLS) lans[impl] = await makeLan(SUBNET[impl], 1, { defaultRoute: true });
  });

  describe.skipIf(noIpvlan !== undefined)('with ipvlan links', () => {
    it.each([
      { title: 'l2, IPv4', mode: 'l2', fam: 'v4' as const },
      { title: 'l3, dual stack', mode: 'l3', fam: 'dual' as const },
      { title: 'l3s, master omitted (default route)', mode: 'l3s', fam: 'v4' as const, master: '' },
    ])('same result and state as the reference: $title', async (k) => {
      const out = await Promise.all(
        IMPLS.map(async (impl) => {
          const e = await makeEnv(impl, 'ipvlan', lans[impl]!);
          const c = conf(e, k.fam, { mode: k.mode, ...(k.master !== undefined ? { master: k.master } : {}) });
          const add = await call(e, 'ADD', c);
          expect(add.code, `${impl}: ${add.stdout}`).toBe(0);
          const state = await snapshot(e, add.json.interfaces[0].mac);
          const check = await call(e, 'CHECK', { ...c, prevResult: add.json });
          const del = await call(e, 'DEL', { ...c, prevResult: add.json });
          return { e, add, state, check, del, after: await names(e.ns.name), leases: await leases(e) };
        }),
      );
      const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
      expect(normalise(ours.e, ours.add.json)).toEqual(normalise(ref.e, ref.add.json));
      const os = normalise(ours.e, ours.state) as any;
      const rs = normalise(ref.e, ref.state) as any;
      // Upstream sets ndisc_notify since v1.4.0; Debian's 1.1.1 does not.
      expect(os.container.ndisc_notify).toBe('1');
      delete os.container.ndisc_notify;
      delete rs.container.ndisc_notify;
      expect(os).toEqual(rs);
      expect(os.container.mode).toBe(k.mode);
      expect(ours.check.code, ours.check.stdout).toBe(0);
      for (const r of [ref, ours]) {
        expect(r.del.code, r.del.stdout).toBe(0);
        expect(r.after).toEqual(['lo']);
        expect(r.leases).toEqual([]);
      }
    });

    it('two l2 containers reach each other and the LAN peer', async () => {
      const lan = lans.ours!;
      const a = await makeEnv('ours', 'ipvlan', lan);
      const b = { ...(await makeEnv('ours', 'ipvlan', lan)), net: a.net, dataDir: a.dataDir };
      const c = conf(a, 'v4');
      const ra = await call(a, 'ADD', c);
      const rb = await call(b, 'ADD', c);
      expect(ra.code, ra.stdout).toBe(0);
      expect(rb.code, rb.stdout).toBe(0);
      expect(await pings(a.ns, rb.json.ips[0].address.split('/')[0])).toBe(true);
      expect(await pings(b.ns, `${lan.v4}254`)).toBe(true);
      for (const e of [a, b]) expect((await call(e, 'DEL', c)).code).toBe(0);
    });

    it('chained: the master and the addresses come from prevResult', async () => {
      const lan = lans.ours!;
      const e = await makeEnv('ours', 'ipvlan', lan);
      const prev = {
        cniVersion: '1.0.0',
        interfaces: [{ name: lan.master }],
        ips: [{ address: `${lan.v4}77/24`, gateway: `${lan.v4}254` }],
        routes: [{ dst: '0.0.0.0/0' }],
      };
      const c = { cniVersion: '1.0.0', name: e.net, type: 'ipvlan', prevResult: prev };
      const r = await call(e, 'ADD', c);
      expect(r.code, r.stdout).toBe(0);
      expect(r.json.ips).toEqual([{ interface: 0, address: `${lan.v4}77/24`, gateway: `${lan.v4}254` }]);
      expect(await pings(e.ns, `${lan.v4}254`)).toBe(true);
      expect((await call(e, 'CHECK', { ...c, prevResult: r.json })).code).toBe(0);
      expect((await call(e, 'DEL', c)).code).toBe(0);
      expect(await names(e.ns.name)).toEqual(['lo']);
    });

    it('a failed ADD after the link exists (IPAM missing): the reference leaves the link, ours nothing', async () => {
      const out = await Promise.all(
        IMPLS.map(async (impl) => {
          const e = await makeEnv(impl, 'ipvlan', lans[impl]!);
          const r = await call(e, 'ADD', { ...conf(e, 'v4'), ipam: { type: `${e.net}-no-such-ipam` } });
          return { r, links: await names(e.ns.name) };
        }),
      );
      expect(out[0]!.links).toEqual(['eth0', 'lo']);
      expect(out[1]!.r.code).not.toBe(0);
      expect(out[1]!.links).toEqual(['lo']);
    });
  });

  describe('bad input: a spec error naming the field, nothing created', () => {
    it.each([
      [
        'missing master',
        { master: 'nosuchlink0' },
        /^failed to lookup master "nosuchlink0": no link of that name in the host namespace$|^failed to create ipvlan/,
      ],
      ['unknown mode', { mode: 'l4' }, /^mode: unknown ipvlan mode: "l4"/],
      ['MTU above the master', { mtu: 9000 }, /^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\] \(master "[^"]+"\)$/],
      ['no IPAM and no prevResult', { ipam: {} }, /^ipam: no IPAM type configured and no addresses in prevResult/],
      [
        'chained prevResult with two interfaces',
        { master: '', ipam: {}, prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'a' }, { name: 'b' }] } },
        /^master: chained master failure/,
      ],
    ])('%s', async (_t, extra, msg) => {
      const e = await makeEnv('ours', 'ipvlan', lans.ours!);
      const r = await call(e, 'ADD', { ...conf(e, 'v4'), ...extra });
      expect(r.code).not.toBe(0);
      expect(r.json?.msg, r.stdout).toMatch(msg);
      expect(await names(e.ns.name)).toEqual(['lo']);
      expect(await leases(e)).toEqual([]);
    });
  });

  it.skipIf(noIpvlan === undefined)('without kernel support: ADD fails saying so, and leaves no link and no lease; DEL and STATUS work', async () => {
    const e = await makeEnv('ours', 'ipvlan', lans.ours!);
    const c = conf(e, 'v4');
    const r = await call(e, 'ADD', c);
    expect(r.json?.msg, r.stdout).toMatch(/^failed to create ipvlan: .*Unknown device type/);
    expect(await names(e.ns.name)).toEqual(['lo']);
    expect(await leases(e)).toEqual([]);
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect((await call(e, 'DEL', c, { netns: '' })).code).toBe(0);
  });
});
