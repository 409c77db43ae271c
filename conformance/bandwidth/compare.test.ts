// bandwidth, ours vs the Go reference (1.1.1): the same configs on twin nodes (a namespace standing
// in for the host, with identical veths), compared by result and by `tc -j -r` (qdiscs with rate,
// burst, limit and raw buffer; the redirect filter) and the IFB's link attributes; then CHECK, DEL.
import { describe, expect, it } from 'vitest';
import { deleteNetns, haveOurBin } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, makeNode, normResult, snapshot, type Node } from './helpers.ts';

useCleanup({ scope: 'each' });

interface Case {
  title: string;
  extra: Record<string, unknown>;
  version?: string;
  mtu?: number;
}

const CASES: Case[] = [
  { title: 'ingress and egress', extra: { ingressRate: 1_000_000, ingressBurst: 80_000, egressRate: 800_000, egressBurst: 16_000 } },
  {
    title: 'runtimeConfig.bandWidth (capability), egress only, 0.4.0',
    extra: { capabilities: { bandwidth: true }, runtimeConfig: { bandWidth: { egressRate: 8000, egressBurst: 16000 } } },
    version: '0.4.0',
  },
  { title: 'ingress only, 0.3.1, odd numbers', extra: { ingressRate: 123_456_789, ingressBurst: 987_654 }, version: '0.3.1' },
  { title: 'egress at 10 Gbit/s (rate past 32 bits), MTU 1400', extra: { egressRate: 10_000_000_000, egressBurst: 80_000_000 }, mtu: 1400 },
  {
    title: 'top level (all zero) wins over runtimeConfig: nothing shaped',
    extra: { ingressRate: 0, runtimeConfig: { bandwidth: { ingressRate: 8000, ingressBurst: 8000 } } },
  },
];

async function lifecycle(n: Node, c: Case) {
  const ctr = n.ctrs[0]!;
  const cf = conf(ctr, c.extra, c.version);
  const add = await call(n, ctr, 'ADD', cf);
  const afterAdd = await snapshot(n);
  const check = c.version === '0.3.1' ? undefined : await call(n, ctr, 'CHECK', { ...cf, prevResult: add.json });
  const del = await call(n, ctr, 'DEL', cf);
  const afterDel = await snapshot(n);
  const del2 = await call(n, ctr, 'DEL', cf);
  return { add, afterAdd, check, del, afterDel, del2 };
}

describe.skipIf(!haveOurBin('bandwidth'))('bandwidth vs reference', () => {
  it.each(CASES)('$title', async (c) => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i, 1, 1, c.mtu)));
    const [ref, ours] = await Promise.all(nodes.map((n) => lifecycle(n, c)));
    expect(ref!.add.code, ref!.add.stdout).toBe(0);
    expect(ours!.add.code, ours!.add.stdout).toBe(0);
    expect(normResult(ours!.add.json)).toEqual(normResult(ref!.add.json));
    expect(ours!.afterAdd).toEqual(ref!.afterAdd);
    if (ref!.check) {
      expect(ref!.check.code, ref!.check.stdout).toBe(0);
      expect(ours!.check!.code, ours!.check!.stdout).toBe(0);
    }
    for (const r of [ref!, ours!]) {
      expect(r.del.code, r.del.stdout).toBe(0);
      expect(r.del2.code, r.del2.stdout).toBe(0);
      expect(r.afterDel.ifbs).toEqual([]);
    }
    expect(ours!.afterDel).toEqual(ref!.afterDel);
  });

  it('CHECK with no rates: the reference crashes (nil dereference), ours passes', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const [r, o] = await Promise.all(nodes.map((n) => call(n, n.ctrs[0]!, 'CHECK', conf(n.ctrs[0]!))));
    expect(r!.code).not.toBe(0);
    expect(r!.stderr).toMatch(/nil pointer dereference/);
    expect(o!.code, o!.stdout).toBe(0);
  });

  it('CHECK sees a changed qdisc, as the reference does', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const out = await Promise.all(
      nodes.map(async (n) => {
        const ctr = n.ctrs[0]!;
        const cf = conf(ctr, { ingressRate: 1_000_000, ingressBurst: 80_000 });
        expect((await call(n, ctr, 'ADD', cf)).code).toBe(0);
        return call(n, ctr, 'CHECK', conf(ctr, { ingressRate: 2_000_000, ingressBurst: 80_000 }));
      }),
    );
    expect(out[0]!.json.msg).toBe("Rate doesn't match");
    expect(out[1]!.json.msg).toMatch(/^Rate doesn't match on veth0/);
  });

  it("a burst just under 4 GiB: the reference's limit wraps to almost nothing; ours holds at 4 GiB", async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const [r, o] = await Promise.all(
      nodes.map(async (n) => {
        const ctr = n.ctrs[0]!;
        const add = await call(n, ctr, 'ADD', conf(ctr, { ingressRate: 800_000_000, ingressBurst: 8 * 4_294_967_294 }));
        expect(add.code, add.stdout).toBe(0);
        return (await snapshot(n)).qdiscs.find((q) => q.kind === 'tbf')!.options;
      }),
    );
    // 100 MB/s: 2.5 MB of latency plus the burst no longer fits 32 bits
    expect(r!.limit).toBeLessThan(r!.burst);
    expect(o!.limit).toBe(2 ** 32 - 1);
    expect(o!.burst_raw).toBe(r!.burst_raw);
  });

  it('DEL succeeds with the container namespace gone, removing the IFB', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    for (const n of nodes) {
      const ctr = n.ctrs[0]!;
      const cf = conf(ctr, { egressRate: 1_000_000, egressBurst: 80_000 });
      expect((await call(n, ctr, 'ADD', cf)).code).toBe(0);
      await deleteNetns(ctr.ns);
      const d = await call(n, ctr, 'DEL', cf);
      expect(d.code, `${n.impl}: ${d.stdout}`).toBe(0);
      expect((await snapshot(n)).ifbs, n.impl).toEqual([]);
    }
  });

  it('the IFB has the same name in both (bwp + hash of network name and container ID)', async () => {
    const nodes = await Promise.all(IMPLS.map((i) => makeNode(i)));
    const names = await Promise.all(
      nodes.map(async (n) => {
        const ctr = n.ctrs[0]!;
        const a = await call(n, ctr, 'ADD', conf(ctr, { egressRate: 1_000_000, egressBurst: 80_000 }, '1.0.0', 'other-net'), 'cid-2');
        return a.json.interfaces.at(-1).name;
      }),
    );
    expect(names[1]).toBe(names[0]);
    expect(names[0]).toMatch(/^bwp[0-9a-f]{12}$/);
  });
});
