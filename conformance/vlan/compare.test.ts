// vlan, ours against Debian's Go reference (/usr/lib/cni/vlan, 1.1.1), from the same config, each
// in its own node namespace (whose veth stands in for the uplink) and subnet: results and kernel
// state normalised for random names, and the reference's known faults shown next to ours. The
// cases that make a VLAN skip where this kernel has no 802.1q; the rest fail before any link.
import { describe, expect, it } from 'vitest';
import { haveOurBin, ipJson, run, type Impl } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, leases, linkNames, linkTypeMissing, makeCtr, makeNode, newNet, normalise, snapshot, SUBNET_ID, vlanConf } from './helpers.ts';

useCleanup({ scope: 'all' });
const NO_VLAN = await linkTypeMissing('vlan');
const IMPLS: Impl[] = ['ref', 'ours'];
const withVlan = it.skipIf(!!NO_VLAN);

describe.skipIf(!haveOurBin('vlan'))(`vlan against the reference${NO_VLAN ? ` (VLAN cases skipped: ${NO_VLAN})` : ''}`, () => {
  it('a missing master: both refuse before making anything; ours names the master', async () => {
    const msgs: Record<string, string> = {};
    for (const impl of IMPLS) {
      const node = await makeNode();
      const c = await makeCtr();
      const n = await newNet();
      const conf = vlanConf({ ...n, master: 'cnitsnomaster', id: SUBNET_ID[impl], caseNo: 1 });
      const r = await call(impl, node, c, 'ADD', conf);
      expect(r.code, r.stdout).not.toBe(0);
      msgs[impl] = r.json?.msg;
      expect(await linkNames(c.ns.name)).toEqual(['lo']);
      expect(await leases(n.dataDir, n.net)).toEqual([]);
    }
    expect(msgs.ref).toBe('Link not found');
    expect(msgs.ours).toBe('failed to lookup master "cnitsnomaster": no link of that name in the host namespace');
  });

  it('DEL once the master is gone: the reference fails for good and keeps the lease; ours releases it, twice over', async () => {
    for (const impl of IMPLS) {
      const node = await makeNode();
      const c = await makeCtr();
      const n = await newNet();
      const conf = vlanConf({ ...n, master: 'cnitsgone', id: SUBNET_ID[impl], caseNo: 2 });
      // The lease an ADD took before the master went away (the reference's host-local, same config).
      const hl = await run('ip', ['netns', 'exec', node.ns.name, '/usr/lib/cni/host-local'], {
        input: JSON.stringify(conf),
        env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: c.cid, CNI_NETNS: c.ns.path, CNI_IFNAME: c.ifname, CNI_PATH: '/usr/lib/cni' },
      });
      expect(hl.code, hl.stdout).toBe(0);
      expect(await leases(n.dataDir, n.net)).toEqual([`10.${SUBNET_ID[impl]}.2.2`]);
      const del = await call(impl, node, c, 'DEL', conf);
      if (impl === 'ref') {
        expect(del.code).not.toBe(0);
        expect(del.json?.msg).toBe('Link not found');
        expect(await leases(n.dataDir, n.net)).toEqual([`10.${SUBNET_ID[impl]}.2.2`]);
      } else {
        expect(del.code, del.stdout).toBe(0);
        expect(await leases(n.dataDir, n.net)).toEqual([]);
        expect((await call(impl, node, c, 'DEL', conf)).code).toBe(0);
      }
    }
  });

  withVlan('ADD: the same result and kernel state (dual-stack, mtu); CHECK passes; DEL removes the link and the lease', async () => {
    const seen: Record<string, unknown[]> = {};
    for (const impl of IMPLS) {
      const node = await makeNode();
      const c = await makeCtr();
      const n = await newNet();
      const conf = vlanConf({
        ...n,
        master: node.master,
        id: SUBNET_ID[impl],
        caseNo: 3,
        v6: true,
        extra: { mtu: 1400 },
        ipam: { routes: [{ dst: '0.0.0.0/0' }] },
      });
      const add = await call(impl, node, c, 'ADD', conf);
      expect(add.code, add.stdout).toBe(0);
      const names = { NETNS: c.ns.path, NET: n.net, CID: c.cid, MASTER: node.master, PEER: node.peer };
      seen[impl] = [normalise(impl, add.json, names), normalise(impl, await snapshot(node, c), names)];
      const chk = await call(impl, node, c, 'CHECK', { ...conf, prevResult: add.json });
      expect(chk.code, chk.stdout).toBe(0);
      const del = await call(impl, node, c, 'DEL', conf);
      expect(del.code, del.stdout).toBe(0);
      expect(await linkNames(c.ns.name)).toEqual(['lo']);
      expect(await leases(n.dataDir, n.net)).toEqual([]);
    }
    expect(seen.ours).toEqual(seen.ref);
    const [result, state] = seen.ours as [any, any];
    expect(result.interfaces).toEqual([{ name: 'eth0', mac: 'MAC', sandbox: 'NETNS' }]);
    expect(state.container).toMatchObject({ kind: 'vlan', vlan: { protocol: '802.1Q', id: 100 }, mtu: 1400, up: true, macOfMaster: true });
  });

  withVlan('a failed IPAM: the reference leaves its VLAN link in the container; ours leaves nothing', async () => {
    for (const impl of IMPLS) {
      const node = await makeNode();
      const c = await makeCtr();
      const n = await newNet();
      const conf = vlanConf({ ...n, master: node.master, id: SUBNET_ID[impl], caseNo: 4, ipam: { type: 'cni-ts-missing-ipam' } });
      const r = await call(impl, node, c, 'ADD', conf);
      expect(r.code).not.toBe(0);
      expect(r.json?.msg).toMatch(/cni-ts-missing-ipam/);
      expect(await linkNames(c.ns.name)).toEqual(impl === 'ref' ? ['eth0', 'lo'] : ['lo']);
    }
  });

  withVlan('CHECK of a route given without gw: the reference fails the route its own ADD made; ours passes', async () => {
    for (const impl of IMPLS) {
      const node = await makeNode();
      const c = await makeCtr();
      const n = await newNet();
      const dst = `10.137.${impl === 'ref' ? 10 : 11}.0/24`;
      const conf = vlanConf({ ...n, master: node.master, id: SUBNET_ID[impl], caseNo: 5, ipam: { routes: [{ dst }] } });
      const add = await call(impl, node, c, 'ADD', conf);
      expect(add.code, add.stdout).toBe(0);
      // ADD installed it via the address's gateway.
      expect((await ipJson<any[]>(['route', 'show', dst], c.ns.name))[0]?.gateway).toBe(`10.${SUBNET_ID[impl]}.5.1`);
      const chk = await call(impl, node, c, 'CHECK', { ...conf, prevResult: add.json });
      if (impl === 'ref') expect(chk.json?.msg).toMatch(/not found in routing table/);
      else expect(chk.code, chk.stdout).toBe(0);
      expect((await call(impl, node, c, 'DEL', conf)).code).toBe(0);
    }
  });

  withVlan('a VLAN ID already in use on the master (upstream #243): ours names the ID and the master; nothing of the second ADD is left', async () => {
    for (const impl of IMPLS) {
      const node = await makeNode();
      const [c1, c2] = [await makeCtr(), await makeCtr()];
      const n = await newNet();
      const conf = vlanConf({ ...n, master: node.master, id: SUBNET_ID[impl], caseNo: 6 });
      expect((await call(impl, node, c1, 'ADD', conf)).code).toBe(0);
      const r = await call(impl, node, c2, 'ADD', conf);
      expect(r.code).not.toBe(0);
      if (impl === 'ours')
        expect(r.json?.msg).toBe(
          `VLAN ID 100 is already in use on master "${node.master}": the kernel allows one VLAN link per ID on a master, whichever namespace holds it`,
        );
      else expect(r.json?.msg).toMatch(/exists/i);
      expect(await linkNames(c2.ns.name)).toEqual(['lo']);
      expect(await leases(n.dataDir, n.net)).toEqual([`10.${SUBNET_ID[impl]}.6.2`]);
      expect((await call(impl, node, c1, 'DEL', conf)).code).toBe(0);
    }
  });
});
