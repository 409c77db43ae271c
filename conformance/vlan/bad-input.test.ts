// vlan bad input: each case is refused with a spec error naming the field (or the master), before
// any link is made, so it runs on any kernel: nothing appears in the container or the node, and
// IPAM is never asked (no lease, not even its directory).
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNetns, haveOurBin, ifName, must, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, linkNames, makeCtr, makeNode, newNet, vlanConf, type Ctr, type Node } from './helpers.ts';

useCleanup({ scope: 'all' });

describe.skipIf(!haveOurBin('vlan'))('vlan bad input', () => {
  let node: Node;
  let c: Ctr;
  let other: Netns;
  const elsewhere = ifName('else0');
  beforeAll(async () => {
    node = await makeNode();
    c = await makeCtr();
    // A link that exists, but in another namespace than the one the master is looked for in.
    other = await createNetns();
    await must('ip', ['-n', other.name, 'link', 'add', elsewhere, 'type', 'veth', 'peer', 'name', 'x0']);
  });

  type Case = [string, (master: string) => Record<string, unknown>, RegExp | string, number];
  const cases: Case[] = [
    ['no master', () => ({ master: undefined }), /^"master" field is required/, 7],
    [
      'a master that does not exist',
      () => ({ master: 'cnitsnomaster' }),
      'failed to lookup master "cnitsnomaster": no link of that name in the host namespace',
      999,
    ],
    ['a master in another namespace', () => ({ master: elsewhere }), `failed to lookup master "${elsewhere}": no link of that name in the host namespace`, 999],
    ['linkInContainer, the master only in the node', (m) => ({ master: m, linkInContainer: true }), /no link of that name in the container namespace/, 999],
    ['a hostile master name', () => ({ master: 'a b;c' }), /^master: interface name contains/, 7],
    ['vlanId -1', () => ({ vlanId: -1 }), 'vlanId: invalid VLAN ID -1 (must be between 0 and 4094)', 7],
    ['vlanId 4095', () => ({ vlanId: 4095 }), 'vlanId: invalid VLAN ID 4095 (must be between 0 and 4094)', 7],
    ['vlanId 1.5', () => ({ vlanId: 1.5 }), /^failed to load netconf: vlanId: must be a whole number/, 7],
    ['vlanId "100"', () => ({ vlanId: '100' }), /^failed to load netconf: vlanId: /, 7],
    ['an MTU above the master’s', () => ({ mtu: 9000 }), /^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\] \(master "c/, 7],
    ['a negative MTU', () => ({ mtu: -1 }), 'mtu: invalid MTU -1, must be [0, master MTU]', 7],
    ['no ipam', () => ({ ipam: undefined }), 'ipam: vlan interface requires an IPAM configuration (ipam.type)', 7],
    ['an ipam type that is a path', () => ({ ipam: { type: '../../bin/sh' } }), /^ipam.type: /, 7],
  ];

  it.each(cases)('%s: refused, nothing made, IPAM not asked', async (_what, over, msg, code) => {
    const n = await newNet();
    const conf = { ...vlanConf({ ...n, master: node.master, id: 137, caseNo: 200 }), ...over(node.master) };
    for (const k of Object.keys(conf)) if (conf[k] === undefined) delete conf[k];
    const before = await linkNames(node.ns.name);
    const r = await call('ours', node, c, 'ADD', conf);
    expect(r.code).toBe(1);
    expect(r.json?.code, r.stdout).toBe(code);
    if (typeof msg === 'string') expect(r.json?.msg).toBe(msg);
    else expect(r.json?.msg).toMatch(msg);
    expect(await linkNames(c.ns.name)).toEqual(['lo']);
    expect(await linkNames(node.ns.name)).toEqual(before);
    expect(existsSync(`${n.dataDir}/${n.net}`)).toBe(false);
  });

  it('the reference refuses the same MTU, bad VLAN ID and missing master (in its words)', async () => {
    const n = await newNet();
    const base = vlanConf({ ...n, master: node.master, id: 135, caseNo: 200 });
    expect((await call('ref', node, c, 'ADD', { ...base, mtu: 9000 })).json?.msg).toBe('invalid MTU 9000, must be [0, master MTU(1500)]');
    expect((await call('ref', node, c, 'ADD', { ...base, vlanId: 4095 })).json?.msg).toBe('invalid VLAN ID 4095 (must be between 0 and 4095 inclusive)');
    expect((await call('ref', node, c, 'ADD', { ...base, master: 'cnitsnomaster' })).json?.msg).toBe('Link not found');
    expect(await linkNames(c.ns.name)).toEqual(['lo']);
  });

  it('CNI_NETNS that does not exist: refused before the master is looked at', async () => {
    const n = await newNet();
    const r = await call(
      'ours',
      node,
      { ...c, ns: { name: 'x', path: '/var/run/netns/cni-ts-no-such-ns' } },
      'ADD',
      vlanConf({ ...n, master: node.master, id: 137, caseNo: 201 }),
    );
    expect(r.json?.msg).toBe('failed to open netns "/var/run/netns/cni-ts-no-such-ns": no such file or directory');
    expect(existsSync(`${n.dataDir}/${n.net}`)).toBe(false);
  });
});
