// vlan, ours alone: traffic between VLAN containers over a node's link, VLAN isolation, the master
// inside the container (linkInContainer), CHECK, and DEL once the master is gone. Everything lives
// in namespaces standing in for the node and the containers. Skipped where the kernel has no 802.1q.
import { describe, expect, it } from 'vitest';
import { haveOurBin, ipJson, must, run, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, leases, linkNames, linkTypeMissing, makeCtr, makeNode, newNet, vlanConf, type Ctr } from './helpers.ts';

useCleanup({ scope: 'all' });
const NO_VLAN = await linkTypeMissing('vlan');
const ID = 137;

const ping = (from: Ctr | Netns, to: string) => run('ip', ['netns', 'exec', 'ns' in from ? from.ns.name : from.name, 'ping', '-c', '1', '-W', '1', to]);
const addrOf = (r: { json: any }) => String(r.json.ips[0].address).split('/')[0]!;

describe.skipIf(!!NO_VLAN || !haveOurBin('vlan') || !haveOurBin('host-local'))(`vlan (ours)${NO_VLAN ? `: ${NO_VLAN}` : ''}`, () => {
  it('containers on VLAN 100 at either end of the node’s link reach each other; one on VLAN 200 in the same subnet does not', async () => {
    const node = await makeNode();
    const n = await newNet();
    const [c1, c2, c3] = [await makeCtr(), await makeCtr(), await makeCtr()];
    const on = (master: string, vlanId: number) => vlanConf({ ...n, master, id: ID, caseNo: 1, extra: { vlanId } });
    const r1 = await call('ours', node, c1, 'ADD', on(node.master, 100), { ipam: 'ours' });
    const r2 = await call('ours', node, c2, 'ADD', on(node.peer, 100), { ipam: 'ours' });
    const r3 = await call('ours', node, c3, 'ADD', on(node.peer, 200), { ipam: 'ours' });
    for (const r of [r1, r2, r3]) expect(r.code, r.stdout).toBe(0);
    const l1 = (await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], c1.ns.name))[0];
    expect(l1.linkinfo).toMatchObject({ info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 100 } });
    expect(r1.json.interfaces).toEqual([{ name: 'eth0', mac: l1.address, sandbox: c1.ns.path }]);
    expect((await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], c3.ns.name))[0].linkinfo.info_data.id).toBe(200);
    expect((await ping(c1, addrOf(r2))).code).toBe(0);
    expect((await ping(c2, addrOf(r1))).code).toBe(0);
    expect((await ping(c1, addrOf(r3))).code).not.toBe(0);
    // CHECK passes as made; a config naming another VLAN ID does not.
    expect((await call('ours', node, c1, 'CHECK', { ...on(node.master, 100), prevResult: r1.json }, { ipam: 'ours' })).code).toBe(0);
    const bad = await call('ours', node, c1, 'CHECK', { ...on(node.master, 300), prevResult: r1.json }, { ipam: 'ours' });
    expect(bad.json?.msg).toBe('Error: Container interface eth0 has VLAN ID 100, configured vlanId is 300');
    for (const [c, conf] of [
      [c1, on(node.master, 100)],
      [c2, on(node.peer, 100)],
      [c3, on(node.peer, 200)],
    ] as const) {
      expect((await call('ours', node, c, 'DEL', conf, { ipam: 'ours' })).code).toBe(0);
      expect(await linkNames(c.ns.name)).toEqual(['lo']);
    }
    expect(await leases(n.dataDir, n.net)).toEqual([]);
    expect(await linkNames(node.ns.name)).toEqual(['lo', node.master, node.peer].sort());
  });

  it('linkInContainer: the VLAN is made on a master inside the container, which DEL leaves in place', async () => {
    const node = await makeNode();
    const n = await newNet();
    const c = await makeCtr();
    // The container's own uplink: a veth whose other end stays in the node.
    await must('ip', ['-n', node.ns.name, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'cup0', 'netns', c.ns.path]);
    await must('ip', ['-n', node.ns.name, 'link', 'set', 'up0', 'up']);
    await must('ip', ['-n', c.ns.name, 'link', 'set', 'cup0', 'up']);
    const conf = vlanConf({ ...n, master: 'cup0', id: ID, caseNo: 2, extra: { linkInContainer: true } });
    const r = await call('ours', node, c, 'ADD', conf);
    expect(r.code, r.stdout).toBe(0);
    const l = (await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], c.ns.name))[0];
    expect(l.link).toBe('cup0');
    expect(l.linkinfo.info_data.id).toBe(100);
    // The node's end of that uplink, on VLAN 100, reaches the container.
    await must('ip', ['-n', node.ns.name, 'link', 'add', 'link', 'up0', 'name', 'up0.100', 'type', 'vlan', 'id', '100']);
    await must('ip', ['-n', node.ns.name, 'addr', 'add', `10.${ID}.2.254/24`, 'dev', 'up0.100']);
    await must('ip', ['-n', node.ns.name, 'link', 'set', 'up0.100', 'up']);
    expect((await ping(node.ns, addrOf(r))).code).toBe(0);
    expect((await call('ours', node, c, 'CHECK', { ...conf, prevResult: r.json })).code).toBe(0);
    expect((await call('ours', node, c, 'DEL', conf)).code).toBe(0);
    expect(await linkNames(c.ns.name)).toEqual(['cup0', 'lo']);
  });

  it('DEL after the master is gone (the kernel took the VLAN with it): success, and the lease is released', async () => {
    const node = await makeNode();
    const n = await newNet();
    const c = await makeCtr();
    const conf = vlanConf({ ...n, master: node.master, id: ID, caseNo: 3 });
    expect((await call('ours', node, c, 'ADD', conf)).code).toBe(0);
    expect(await leases(n.dataDir, n.net)).toEqual([`10.${ID}.3.2`]);
    await must('ip', ['-n', node.ns.name, 'link', 'del', node.master]);
    expect(await linkNames(c.ns.name)).toEqual(['lo']);
    for (let i = 0; i < 2; i++) expect((await call('ours', node, c, 'DEL', conf)).code).toBe(0);
    expect(await leases(n.dataDir, n.net)).toEqual([]);
  });

  it('CHECK fails once the master is gone, naming it', async () => {
    const node = await makeNode();
    const n = await newNet();
    const c = await makeCtr();
    const conf = vlanConf({ ...n, master: node.master, id: ID, caseNo: 4 });
    const r = await call('ours', node, c, 'ADD', conf);
    expect(r.code).toBe(0);
    await must('ip', ['-n', node.ns.name, 'link', 'del', node.master]);
    const chk = await call('ours', node, c, 'CHECK', { ...conf, prevResult: r.json });
    expect(chk.json?.msg).toBe(`failed to lookup master "${node.master}": no link of that name in the host namespace`);
    expect((await call('ours', node, c, 'DEL', conf)).code).toBe(0);
  });
});
