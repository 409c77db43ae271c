// ptp beyond the side-by-side comparison: traffic between a container and its node, DEL when the
// namespace is gone (the reference leaks the masquerade rules), CHECK of a route given without a
// gateway (the reference fails its own ADD), failed ADDs that leave nothing, the nftables backend,
// GC and STATUS. Every plugin call runs inside a namespace standing in for the node.
import { describe, expect, it } from 'vitest';
import { deleteNetns, haveOurBin, ipJson, nsExec } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { listen, reaches } from '../firewall/sandbox.ts';
import { iptChain } from '../../shared/host/ipmasq.ts';
import { call, conf, leases, makeEnv, makeNode, natRules, nftMasq, snapshot, SUBNET_ID, type Env } from './helpers.ts';

useCleanup({ scope: 'all' });

let caseNo = 100;
const withPrev = (c: Record<string, unknown>, result: unknown) => ({ ...c, prevResult: result });
const addOk = async (e: Env, c: Record<string, unknown>) => {
  const r = await call(e, 'ADD', c);
  expect(r.code, `${e.impl} ADD: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json;
};

describe.skipIf(!haveOurBin('ptp') || !haveOurBin('host-local'))('ptp (ours)', { timeout: 120_000 }, () => {
  it('traffic: two containers and their node reach each other over TCP, v4 and v6; our host-local linked in-process', async () => {
    const node = await makeNode();
    const n = ++caseNo;
    const a = await makeEnv('ours', n, { node, ourIpam: true });
    const b = { ...(await makeEnv('ours', n, { node, ourIpam: true })), net: a.net, dataDir: a.dataDir };
    const c = conf(a, 'dual', { ipMasq: true });
    const ra = await addOk(a, c);
    const rb = await addOk(b, c);
    const ip = (r: any, v6: boolean) => String(r.ips.find((i: any) => i.address.includes(':') === v6).address).split('/')[0]!;
    await Promise.all([listen(a.ns.name, 7001, undefined, true), listen(b.ns.name, 7001, undefined, true), listen(node.name, 7002, undefined, true)]);
    for (const v6 of [false, true]) {
      const gw = v6 ? `${a.v6}1` : `${a.v4}1`;
      const host = (s: string) => (v6 ? `[${s}]` : s);
      expect(await reaches(node.name, host(ip(ra, v6)), 7001, true), `node → a (v6 ${v6})`).toBe(true);
      expect(await reaches(a.ns.name, host(gw), 7002, true), `a → node's gateway (v6 ${v6})`).toBe(true);
      expect(await reaches(a.ns.name, host(ip(rb, v6)), 7001, true), `a → b through the node (v6 ${v6})`).toBe(true);
    }
    for (const [e, r] of [
      [a, ra],
      [b, rb],
    ] as const) {
      expect((await call(e, 'CHECK', withPrev(c, r))).code).toBe(0);
      expect((await call(e, 'DEL', withPrev(c, r))).code).toBe(0);
    }
    expect(await natRules(node.name)).toEqual([]);
    expect(await leases(a)).toEqual([]);
    expect((await ipJson<any[]>(['link', 'show'], node.name)).filter((l) => l.ifname !== 'lo')).toEqual([]);
  });

  it('DEL with the namespace gone or CNI_NETNS empty removes the masquerade rules; the reference leaks them', async () => {
    const n = ++caseNo;
    const out: Record<string, { rules: number; left: string[] }> = {};
    await Promise.all(
      (['ref', 'ours'] as const).flatMap((impl) =>
        (['gone', 'empty'] as const).map(async (how) => {
          const e = await makeEnv(impl, n + (how === 'empty' ? 1 : 0));
          const c = conf(e, 'dual', { ipMasq: true });
          const r = await addOk(e, c);
          const rules = (await natRules(e.node.name)).length;
          await deleteNetns(e.ns);
          // The runtime may still hold prevResult (gone) or have lost everything (empty, no prevResult).
          const del = how === 'gone' ? await call(e, 'DEL', withPrev(c, r)) : await call(e, 'DEL', c, { netns: '' });
          expect(del.code, `${impl} ${how}: ${del.stdout}`).toBe(0);
          out[`${impl} ${how}`] = { rules, left: await natRules(e.node.name) };
          expect(await leases(e)).toEqual([]);
        }),
      ),
    );
    for (const k of Object.keys(out)) expect(out[k]!.rules, k).toBe(8); // 2 families × (jump + chain + 2 rules)
    expect(out['ref gone']!.left.length).toBe(8);
    expect(out['ref empty']!.left.length).toBe(8);
    expect(out['ours gone']!.left).toEqual([]);
    expect(out['ours empty']!.left).toEqual([]);
  });

  it('CHECK of a route given without a gateway: ours passes, the reference fails; ours tells a missing route and a changed MAC', async () => {
    const n = ++caseNo;
    const res = await Promise.all(
      (['ref', 'ours'] as const).map(async (impl) => {
        const e = await makeEnv(impl, n);
        const c = conf(e, 'v4', {}, '1.0.0', { routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24' }] });
        const r = await addOk(e, c);
        const chk = await call(e, 'CHECK', withPrev(c, r));
        let broken: string | undefined;
        let mac: string | undefined;
        if (impl === 'ours') {
          await nsExec(e.ns.name, 'ip', ['route', 'del', '192.0.2.0/24']);
          broken = (await call(e, 'CHECK', withPrev(c, r))).json?.msg;
          const r2 = structuredClone(r);
          r2.interfaces[1].mac = '02:00:00:00:00:01';
          mac = (await call(e, 'CHECK', withPrev(c, r2))).json?.msg;
        }
        return { chk, broken, mac };
      }),
    );
    expect(res[0]!.chk.code).not.toBe(0);
    expect(res[0]!.chk.json?.msg).toMatch(/Expected Route .* not found in routing table/);
    expect(res[1]!.chk.code, res[1]!.chk.stdout).toBe(0);
    expect(res[1]!.broken).toBe('Expected Route {Dst:192.0.2.0/24 GW:<nil>} not found in routing table');
    expect(res[1]!.mac).toMatch(/^ptp: Interface eth0 Mac 02:00:00:00:00:01 doesn't match container Mac: /);
  });

  it('a failed ADD leaves nothing: name taken, masquerade rules already there, range exhausted', async () => {
    const n = ++caseNo;
    const e = await makeEnv('ours', n);
    const c = conf(e, 'v4', { ipMasq: true }, '1.0.0', { ranges: [[{ subnet: `${e.v4}0/24`, rangeStart: `${e.v4}10`, rangeEnd: `${e.v4}11` }]] });
    const first = await addOk(e, c);
    const before = await snapshot(e);
    const leased = await leases(e);
    // 1. The container already has eth0 (the first ADD's): the pair cannot be made.
    const taken = await call(e, 'ADD', c, { cid: `${e.cid}x` });
    expect(taken.json?.msg).toMatch(/^container veth name \("eth0"\) peer provided \("veth[0-9a-f]{8}"\) already exists$/);
    // 2. Masquerade rules of the new container exist already (a leaked chain): the pair and the lease go again.
    const cid2 = `${e.cid}m`;
    const chain = iptChain(e.net, cid2);
    expect((await nsExec(e.node.name, 'iptables', ['-w', '-t', 'nat', '-N', chain])).code).toBe(0);
    const other = { ...(await makeEnv('ours', n, { node: e.node })), net: e.net, dataDir: e.dataDir, cid: cid2 };
    const masq = await call(other, 'ADD', c);
    expect(masq.json?.msg).toMatch(/masquerade rules of container .* already exist/);
    expect((await ipJson<any[]>(['link', 'show'], other.ns.name)).map((l) => l.ifname)).toEqual(['lo']);
    expect((await nsExec(e.node.name, 'iptables', ['-w', '-t', 'nat', '-X', chain])).code).toBe(0);
    // 3. The range has one address left: a third container takes it, a fourth gets none.
    const third = await makeEnv('ours', n, { node: e.node });
    const e3 = { ...third, net: e.net, dataDir: e.dataDir };
    const r3 = await addOk(e3, c);
    const fourth = { ...(await makeEnv('ours', n, { node: e.node })), net: e.net, dataDir: e.dataDir };
    const exhausted = await call(fourth, 'ADD', c);
    expect(exhausted.json?.msg).toMatch(/no IP addresses available/);
    expect((await call(e3, 'DEL', withPrev(c, r3))).code).toBe(0);
    expect(await snapshot(e)).toEqual(before);
    expect(await leases(e)).toEqual(leased);
    expect((await call(e, 'DEL', withPrev(c, first))).code).toBe(0);
    expect(await leases(e)).toEqual([]);
  });

  it('ipMasqBackend nftables: rules by comment, removed by DEL even without the namespace; GC removes stale ones; STATUS', async () => {
    const node = await makeNode();
    const n = ++caseNo;
    const id = SUBNET_ID.extra;
    // Our host-local: the reference's 1.1.1 knows neither GC nor STATUS.
    const a = await makeEnv('ours', n, { node, id, ourIpam: true });
    const b = { ...(await makeEnv('ours', n, { node, id, ourIpam: true })), net: a.net, dataDir: a.dataDir };
    const c = conf(a, 'dual', { ipMasq: true, ipMasqBackend: 'nftables' }, '1.1.0');
    const ra = await addOk(a, c);
    await addOk(b, c);
    expect(await natRules(node.name)).toEqual([]);
    const rules = await nftMasq(node.name);
    expect(rules.length).toBe(4);
    expect(rules.filter((r) => r.includes(`id: ${a.cid}`)).length).toBe(2);
    // a's namespace goes and the runtime lost CNI_NETNS: DEL still removes its rules and lease.
    await deleteNetns(a.ns);
    expect((await call(a, 'DEL', c, { netns: '' })).code).toBe(0);
    expect((await nftMasq(node.name)).every((r) => r.includes(`id: ${b.cid}`))).toBe(true);
    expect((await leases(a)).length).toBe(2);
    // b leaks (its namespace gone, no DEL): GC with an empty list of valid attachments removes its rules and leases.
    await deleteNetns(b.ns);
    const st = await call(a, 'STATUS', c);
    expect(st.code, st.stdout).toBe(0);
    const gc = await call(a, 'GC', { ...c, 'cni.dev/valid-attachments': [] });
    expect(gc.code, gc.stdout).toBe(0);
    expect(await nftMasq(node.name)).toEqual([]);
    expect(await leases(a)).toEqual([]);
    void ra;
  });
});
