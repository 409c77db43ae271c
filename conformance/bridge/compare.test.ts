// bridge, ours vs the Go reference (1.1.1): same configs on separate namespaces, bridges and subnets;
// results, kernel state and masquerade rules compared after normalising random names and MACs.
import { describe, expect, it } from 'vitest';
import { haveOurBin, links } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, makeEnv, normalise, snapshot, type Env, type Family } from './helpers.ts';

useCleanup({ scope: 'all' });

let caseNo = 0;

interface Case {
  title: string;
  fam: Family;
  extra?: Record<string, unknown>;
  version?: string;
}

const CASES: Case[] = [
  { title: 'IPv4, isGateway, ipMasq (iptables), default route', fam: 'v4', extra: { isGateway: true, ipMasq: true } },
  { title: 'IPv6 only, isDefaultGateway', fam: 'v6', extra: { isDefaultGateway: true } },
  { title: 'dual stack, isDefaultGateway, ipMasq', fam: 'dual', extra: { isDefaultGateway: true, ipMasq: true } },
  { title: 'no gateway at all', fam: 'v4' },
  { title: 'mtu 1400 + hairpin', fam: 'v4', extra: { isGateway: true, mtu: 1400, hairpinMode: true } },
  { title: 'promiscMode', fam: 'v4', extra: { isGateway: true, promiscMode: true } },
  { title: 'macspoofchk', fam: 'v4', extra: { isGateway: true, macspoofchk: true } },
  { title: 'L2 only', fam: 'none' },
  {
    title: 'cniVersion 0.3.1 IPv4 with MAC from runtimeConfig',
    fam: 'v4',
    extra: { isGateway: true, runtimeConfig: { mac: '02:12:34:56:78:9a' } },
    version: '0.3.1',
  },
  { title: 'cniVersion 0.4.0 dual stack', fam: 'dual', extra: { isGateway: true }, version: '0.4.0' },
];

function withPrev(c: Record<string, unknown>, result: unknown) {
  return { ...c, prevResult: result };
}

describe.skipIf(!haveOurBin('bridge'))('bridge vs reference', () => {
  it.each(CASES)('$title', async ({ fam, extra, version }) => {
    const n = ++caseNo;
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, n)));
    const out = await Promise.all(
      envs.map(async (e) => {
        const c = conf(e, fam, extra, version);
        const add = await call(e, 'ADD', c);
        expect(add.code, `${e.impl} ADD: ${add.stdout}`).toBe(0);
        const state = await snapshot(e);
        // 1.1.1 CHECK always delegates, so an L2 config fails there; ours passes.
        const check = await call(e, 'CHECK', withPrev(c, add.json));
        const del = await call(e, 'DEL', withPrev(c, add.json));
        const after = await snapshot(e);
        const del2 = await call(e, 'DEL', c);
        return { e, add, state, check, del, after, del2 };
      }),
    );
    const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
    expect(normalise(ours.e, ours.add.json)).toEqual(normalise(ref.e, ref.add.json));
    const os = normalise(ours.e, ours.state) as any;
    const rs = normalise(ref.e, ref.state) as any;
    expect(os).toEqual(rs);
    if (fam === 'none') {
      expect(ref.check.json?.msg).toBe('no plugin name provided');
    } else if (version !== '0.3.1') {
      expect(ref.check.code, ref.check.stdout).toBe(0);
    }
    if (version !== '0.3.1') expect(ours.check.code, ours.check.stdout).toBe(0);
    for (const r of [ref, ours]) {
      expect(r.del.code, r.del.stdout).toBe(0);
      expect(r.del2.code, r.del2.stdout).toBe(0);
    }
    expect(normalise(ours.e, ours.after)).toEqual(normalise(ref.e, ref.after));
    expect(ours.after.container).toBeUndefined();
    expect(ours.after.iptables).toEqual([]);
  });

  it('errors match: non-bridge device, bad vlan, hairpin+promisc, unknown CNI_ARGS', async () => {
    const n = ++caseNo;
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, n)));
    const msgs = await Promise.all(
      envs.map(async (e) => {
        const r: string[] = [];
        r.push((await call(e, 'ADD', conf(e, 'v4', { bridge: 'lo' }))).json?.msg);
        r.push((await call(e, 'ADD', conf(e, 'v4', { vlan: 5000 }))).json?.msg);
        r.push((await call(e, 'ADD', conf(e, 'v4', { hairpinMode: true, promiscMode: true }))).json?.msg);
        r.push((await call(e, 'ADD', conf(e, 'v4'), { args: 'IP=10.1.1.1' })).json?.msg);
        return r;
      }),
    );
    expect(msgs[1]![0]).toBe(msgs[0]![0]);
    expect(msgs[1]![0]).toBe('failed to create bridge "lo": "lo" already exists but is not a bridge');
    expect(msgs[1]![1]).toContain('invalid VLAN ID 5000 (must be between 0 and 4094)');
    expect(msgs[0]![1]).toContain('invalid VLAN ID 5000 (must be between 0 and 4094)');
    expect(msgs[1]![2]).toBe('cannot set hairpin mode and promiscuous mode at the same time');
    expect(msgs[1]![3]).toBe(msgs[0]![3]);
  });

  it('bridge address conflict: same message; ours leaves no veth and no lease', async () => {
    const n = ++caseNo;
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, n)));
    const res = await Promise.all(
      envs.map(async (e: Env) => {
        // A first network puts its gateway on the bridge; a second subnet on the same bridge conflicts.
        const first = await call(e, 'ADD', conf(e, 'v4', { isGateway: true }));
        expect(first.code, first.stdout).toBe(0);
        const other = { ...e, v4: e.v4.replace(/\.\d+\.$/, `.${n + 100}.`) };
        const c2 = conf(other, 'v4', { isGateway: true, ipMasq: true });
        const ns2 = await makeEnv(e.impl, n, undefined);
        const r = await call(e, 'ADD', c2, { netns: ns2.ns.path, cid: ns2.cid });
        const ports = (await links()).filter((l) => l.master === e.bridge).length;
        const forced = await call(e, 'ADD', { ...c2, forceAddress: true }, { netns: (await makeEnv(e.impl, n)).ns.path, cid: `${ns2.cid}f` });
        return { msg: String(r.json?.msg).replace(e.bridge, 'BR'), ports, forced: forced.code };
      }),
    );
    expect(res[1]!.msg).toBe(res[0]!.msg.replace('10.214.', '10.215.'));
    expect(res[1]!.msg).toMatch(/^failed to set bridge addr: ".*" already has an IP address different from 10\.215\.\d+\.1\/24$/);
    expect(res[0]!.ports).toBe(2); // the reference leaks the veth (#29)
    expect(res[1]!.ports).toBe(1);
    expect(res[0]!.forced).toBe(0);
    expect(res[1]!.forced).toBe(0);
  });
});
