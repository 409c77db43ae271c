// bandwidth beyond the differential runs: failed ADDs leave nothing (where the reference leaves its
// IFB, ingress qdisc and filter), a clear error after macvlan, bad input refused with the field
// named and nothing changed, GC of IFBs whose attachment is gone, and real traffic shaped.
import { describe, expect, it } from 'vitest';
import { haveOurBin, must } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, makeNode, measure, snapshot } from './helpers.ts';

useCleanup({ scope: 'each' });

describe.skipIf(!haveOurBin('bandwidth'))('bandwidth (ours)', () => {
  it('an ADD the kernel refuses (a burst under a microsecond at 1 Pbit/s): the reference leaves its IFB, ingress qdisc and filter; ours refuses first', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const [r, o] = await Promise.all(
      nodes.map(async (n) => {
        const before = await snapshot(n);
        const add = await call(n, n.ctrs[0]!, 'ADD', conf(n.ctrs[0]!, { egressRate: 8e15, egressBurst: 80 }));
        return { add, before, after: await snapshot(n) };
      }),
    );
    expect(r!.add.code).not.toBe(0);
    expect(r!.after.ifbs).toHaveLength(1);
    expect(r!.after.qdiscs.map((q) => q.kind)).toContain('ingress');
    expect(r!.after.filters.length).toBeGreaterThan(0);
    expect(o!.add.code).not.toBe(0);
    expect(o!.add.json.code).toBe(7);
    expect(o!.add.json.msg).toMatch(/^egressRate\/egressBurst: .*zero buffer/);
    expect(o!.after).toEqual(o!.before);
  });

  it('an ADD that fails half-way (the host veth already has an ingress qdisc) takes back its TBF and IFB', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const [r, o] = await Promise.all(
      nodes.map(async (n) => {
        await must('tc', ['-n', n.ns.name, 'qdisc', 'add', 'dev', 'veth0', 'handle', 'ffff:', 'ingress']);
        const before = await snapshot(n);
        const add = await call(n, n.ctrs[0]!, 'ADD', conf(n.ctrs[0]!, { ingressRate: 1e6, ingressBurst: 8e4, egressRate: 1e6, egressBurst: 8e4 }));
        return { add, before, after: await snapshot(n) };
      }),
    );
    expect(r!.add.code).not.toBe(0);
    expect(r!.after.ifbs).toHaveLength(1);
    expect(r!.after.qdiscs.map((q) => q.kind)).toContain('tbf');
    expect(o!.add.code).not.toBe(0);
    expect(o!.add.json.msg).toMatch(/^create ingress qdisc: /);
    expect(o!.after).toEqual(o!.before);
  });

  it('after macvlan (no veth peer): a clear error, nothing changed', async () => {
    const n = await makeNode('ours');
    const ctr = n.ctrs[0]!;
    await must('ip', ['-n', ctr.ns.name, 'link', 'set', 'eth0', 'name', 'parent0']);
    await must('ip', ['-n', ctr.ns.name, 'link', 'add', 'link', 'parent0', 'name', 'eth0', 'type', 'macvlan']);
    const before = await snapshot(n);
    const add = await call(n, ctr, 'ADD', conf(ctr, { egressRate: 1e6, egressBurst: 8e4 }));
    expect(add.code).not.toBe(0);
    expect(add.json.msg).toBe('container interface eth0 has no veth peer: it is a macvlan link; bandwidth shapes the host end of a veth pair (bridge, ptp)');
    expect(await snapshot(n)).toEqual(before);
  });

  it('bad input: a spec error naming the field, nothing changed (the reference fails too)', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ingressRate: -1, ingressBurst: 8000 }, /ingressRate: must be at least 0/],
      [{ egressRate: 1e6 }, /^egressRate: if rate is set, burst must also be set$/],
      [{ egressBurst: 1e6 }, /^egressBurst: if burst is set, rate must also be set$/],
      [{ ingressRate: 1e6, ingressBurst: 8 * 2 ** 32 }, /^ingressBurst: burst cannot be more than 4GB$/],
      [{ ingressRate: 'fast', ingressBurst: 1 }, /ingressRate: /],
      [{ runtimeConfig: { bandwidth: { egressRate: 1e6, egressBurst: 1e100 } } }, /runtimeConfig.bandwidth.egressBurst: must be at most/],
    ];
    await Promise.all(
      nodes.map(async (n) => {
        const before = await snapshot(n);
        const rs = await Promise.all(bad.map(([extra]) => call(n, n.ctrs[0]!, 'ADD', conf(n.ctrs[0]!, extra))));
        rs.forEach((r, i) => {
          const [extra, re] = bad[i]!;
          expect(r.code, `${n.impl} ${JSON.stringify(extra)}: ${r.stdout}`).not.toBe(0);
          if (n.impl === 'ours') {
            expect(r.json.code, JSON.stringify(extra)).toBe(7);
            expect(r.json.msg).toMatch(re);
          }
        });
        expect(await snapshot(n), n.impl).toEqual(before);
      }),
    );
  });

  it('GC (1.1.0) removes the IFBs of attachments no longer valid, and only those of its network', async () => {
    const n = await makeNode('ours', 3);
    const cf = (i: number, name = 'bw-gc') => conf(n.ctrs[i]!, { egressRate: 1e6, egressBurst: 8e4 }, '1.1.0', name);
    const ifbs: string[] = [];
    for (const [i, name] of [
      [0, 'bw-gc'],
      [1, 'bw-gc'],
      [2, 'bw-other'],
    ] as const) {
      const a = await call(n, n.ctrs[i]!, 'ADD', cf(i, name), `ctr-${i}`);
      expect(a.code, a.stdout).toBe(0);
      ifbs.push(a.json.interfaces.at(-1).name);
    }
    const gc = await call(n, n.ctrs[0]!, 'GC', { ...cf(0), 'cni.dev/valid-attachments': [{ containerID: 'ctr-1', ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    expect((await snapshot(n)).ifbs.map((l) => l.ifname).sort()).toEqual([ifbs[1], ifbs[2]].sort());
  });

  it('traffic: a container behind 1 Mbit/s egress sends measurably less in 2 s than one without', async () => {
    const n = await makeNode('ours', 2);
    const [shaped, free] = n.ctrs as [(typeof n.ctrs)[0], (typeof n.ctrs)[0]];
    const a = await call(n, shaped, 'ADD', conf(shaped, { egressRate: 1_000_000, egressBurst: 100_000 }));
    expect(a.code, a.stdout).toBe(0);
    const [s, f] = await Promise.all([measure(n, shaped, 5001, 2000), measure(n, free, 5002, 2000)]);
    // 1 Mbit/s for 2 s is 250 kB, plus the burst and the 25 ms queue; unshaped veth traffic is
    // hundreds of MB/s even on a loaded machine.
    expect(s).toBeGreaterThan(50_000);
    expect(s).toBeLessThan(600_000);
    expect(f).toBeGreaterThan(5_000_000);
  });
});
