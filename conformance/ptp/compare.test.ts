// ptp, ours vs the Go reference (1.1.1): the same configs, each implementation in its own node
// namespace with its own subnet; results, container and node state (addresses, routes, sysctls,
// masquerade rules) compared after normalising random names and MACs.
import { describe, expect, it } from 'vitest';
import { haveOurBin } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, makeEnv, normalise, snapshot, type Family } from './helpers.ts';

useCleanup({ scope: 'all' });

let caseNo = 0;

interface Case {
  title: string;
  fam: Family;
  extra?: Record<string, unknown>;
  version?: string;
}

const CASES: Case[] = [
  { title: 'IPv4, ipMasq, mtu 1400', fam: 'v4', extra: { ipMasq: true, mtu: 1400 } },
  { title: 'IPv6 only, ipMasq', fam: 'v6', extra: { ipMasq: true } },
  { title: 'dual stack, no masquerade, dns from the config', fam: 'dual', extra: { dns: { nameservers: ['10.1.1.1'], search: ['example.org'] } } },
  { title: 'cniVersion 0.3.1 IPv4, ipMasq', fam: 'v4', extra: { ipMasq: true }, version: '0.3.1' },
  { title: 'cniVersion 0.4.0 dual stack, ipMasq', fam: 'dual', extra: { ipMasq: true }, version: '0.4.0' },
  { title: 'cniVersion 0.2.0 IPv4 (legacy result)', fam: 'v4', version: '0.2.0' },
];

const withPrev = (c: Record<string, unknown>, result: unknown) => ({ ...c, prevResult: result });

describe.skipIf(!haveOurBin('ptp'))('ptp vs reference', { timeout: 120_000 }, () => {
  it.each(CASES)('$title', async ({ fam, extra, version }) => {
    const n = ++caseNo;
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, n)));
    const out = await Promise.all(
      envs.map(async (e) => {
        const c = conf(e, fam, extra, version);
        const add = await call(e, 'ADD', c);
        expect(add.code, `${e.impl} ADD: ${add.stdout}${add.stderr}`).toBe(0);
        const state = await snapshot(e);
        const check = await call(e, 'CHECK', withPrev(c, add.json));
        const del = await call(e, 'DEL', withPrev(c, add.json));
        const after = await snapshot(e);
        const del2 = await call(e, 'DEL', c);
        return { e, add, state, check, del, after, del2 };
      }),
    );
    const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
    expect(normalise(ours.e, ours.add.json)).toEqual(normalise(ref.e, ref.add.json));
    expect(normalise(ours.e, ours.state)).toEqual(normalise(ref.e, ref.state));
    // The shape the reference leaves: the gateway alone on the host end, the subnet via it in the container.
    const s = ours.state;
    expect(s.hostVeths).toBe(1);
    if (fam !== 'v6') {
      expect(s.hostVeth.addrs).toContainEqual({ family: 'inet', local: `${ours.e.v4}1`, prefixlen: 32, scope: 'global' });
      expect(s.containerRoutes).toContainEqual({ dst: `${ours.e.v4}0/24`, gateway: `${ours.e.v4}1`, dev: 'eth0', prefsrc: `${ours.e.v4}2` });
      expect(s.containerRoutes).toContainEqual({ dst: `${ours.e.v4}1`, dev: 'eth0', scope: 'link', prefsrc: `${ours.e.v4}2` });
      expect(s.nodeRoutes.some((r: any) => r.dst === `${ours.e.v4}2` && r.scope === 'host')).toBe(true);
    }
    if (fam !== 'v4') expect(s.hostVeth.addrs).toContainEqual({ family: 'inet6', local: `${ours.e.v6}1`, prefixlen: 128, scope: 'global' });
    if (version !== '0.2.0' && version !== '0.3.1') {
      for (const r of [ref, ours]) expect(r.check.code, `${r.e.impl} CHECK: ${r.check.stdout}`).toBe(0);
    }
    for (const r of [ref, ours]) {
      expect(r.del.code, r.del.stdout).toBe(0);
      expect(r.del2.code, r.del2.stdout).toBe(0);
    }
    expect(normalise(ours.e, ours.after)).toEqual(normalise(ref.e, ref.after));
    expect(ours.after.container).toBeUndefined();
    expect(ours.after.hostVeths).toBe(0);
    expect(ours.after.nat).toEqual([]);
  });

  it('errors: the container interface already exists, no IPAM', async () => {
    const n = ++caseNo;
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, n)));
    const msgs = await Promise.all(
      envs.map(async (e) => {
        const c = conf(e, 'v4');
        const first = await call(e, 'ADD', c);
        expect(first.code, first.stdout).toBe(0);
        const again = await call(e, 'ADD', c, { cid: `${e.cid}b` });
        const noIpam = await call(e, 'ADD', { ...c, ipam: undefined }, { cid: `${e.cid}c`, ifname: 'eth1' });
        return [String(again.json?.msg).replace(/veth[0-9a-f]{8}/, 'VETH'), String(noIpam.json?.msg)];
      }),
    );
    // Current upstream's wording; Debian's 1.1.1 says it without the peer.
    expect(msgs[0]![0]).toBe('container veth name provided (eth0) already exists');
    expect(msgs[1]![0]).toBe('container veth name ("eth0") peer provided ("VETH") already exists');
    expect(msgs[0]![1]).toMatch(/no plugin name provided/);
    expect(msgs[1]![1]).toMatch(/no plugin name provided/);
  });
});
