// dummy (ours; the reference 1.1.1 has none): a dummy link made inside the container, given its
// addresses and routes, checked and deleted; a failed ADD leaves neither link nor lease. The cases
// that make a dummy skip where this kernel has none; the rest run on any kernel, and there the
// kernel's refusal itself shows that the lease IPAM handed out alongside is taken back.
import { existsSync } from 'node:fs';
import { hostLocalLeases } from '../lib/master.ts';
import { describe, expect, it } from 'vitest';
import { containerId, createNetns, haveOurBin, ipamDataDir, ipJson, must, netName, ourBin, runPlugin, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { linkTypeMissing } from '../lib/link-types.ts';

useCleanup({ scope: 'all' });
const NO_DUMMY = await linkTypeMissing('dummy');
const withDummy = it.skipIf(!!NO_DUMMY);
const ID = 138;

interface Ctx {
  ns: Netns;
  cid: string;
  net: string;
  dataDir: string;
}
const make = async (): Promise<Ctx> => ({ ns: await createNetns(), cid: containerId(), net: netName(), dataDir: await ipamDataDir() });

function conf(c: Ctx, caseNo: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '1.1.0',
    name: c.net,
    type: 'dummy',
    ipam: {
      type: 'host-local',
      dataDir: c.dataDir,
      ranges: [[{ subnet: `10.${ID}.${caseNo}.0/24` }], [{ subnet: `fd00:${ID}:${caseNo}::/64` }]],
      routes: [{ dst: `10.139.${caseNo}.0/24` }],
    },
    ...extra,
  };
}
const call = (c: Ctx, command: string, stdin: object, inNetns?: string) =>
  runPlugin(ourBin('dummy'), { command, containerId: c.cid, netns: c.ns.path, ifname: 'eth0', ...(inNetns ? { inNetns } : {}) }, stdin);
const links = async (ns: string) => (await ipJson<Array<{ ifname: string }>>(['link', 'show'], ns)).map((l) => l.ifname).sort();
const leases = (c: Ctx) => hostLocalLeases(c.dataDir, c.net);

describe.skipIf(!haveOurBin('dummy') || !haveOurBin('host-local'))(`dummy${NO_DUMMY ? ` (dummy links skipped: ${NO_DUMMY})` : ''}`, () => {
  withDummy('ADD: one dummy link, up, with both addresses and the route via the gateway; CHECK passes; DEL leaves nothing', async () => {
    const c = await make();
    const r = await call(c, 'ADD', conf(c, 1));
    expect(r.code, r.stdout).toBe(0);
    const l = (await ipJson<any[]>(['-d', 'addr', 'show', 'eth0'], c.ns.name))[0];
    expect(l.linkinfo.info_kind).toBe('dummy');
    expect(l.flags).toContain('UP');
    expect(r.json).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', mac: l.address, sandbox: c.ns.path }],
      ips: [
        { interface: 0, address: `10.${ID}.1.2/24`, gateway: `10.${ID}.1.1` },
        { interface: 0, address: `fd00:${ID}:1::2/64`, gateway: `fd00:${ID}:1::1` },
      ],
      routes: [{ dst: `10.139.1.0/24` }],
    });
    expect(l.addr_info.filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`)).toEqual([
      `10.${ID}.1.2/24`,
      `fd00:${ID}:1::2/64`,
    ]);
    expect((await ipJson<any[]>(['route', 'show', '10.139.1.0/24'], c.ns.name))[0]).toMatchObject({ gateway: `10.${ID}.1.1`, dev: 'eth0' });
    expect((await call(c, 'CHECK', { ...conf(c, 1), prevResult: r.json })).code).toBe(0);
    await must('ip', ['-n', c.ns.name, 'link', 'set', 'eth0', 'down']);
    expect((await call(c, 'CHECK', { ...conf(c, 1), prevResult: r.json })).json?.msg).toBe('Interface eth0 is down');
    for (let i = 0; i < 2; i++) expect((await call(c, 'DEL', conf(c, 1))).code).toBe(0);
    expect(await links(c.ns.name)).toEqual(['lo']);
    expect(await leases(c)).toEqual([]);
  });

  withDummy('made in the container: a link of the same name where the plugin runs is no obstacle (upstream PR #1205)', async () => {
    const c = await make();
    const node = await createNetns();
    await must('ip', ['-n', node.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    const r = await call(c, 'ADD', conf(c, 2), node.name);
    expect(r.code, r.stdout).toBe(0);
    expect(await links(node.name)).toEqual(['eth0', 'eth1', 'lo']);
    expect((await call(c, 'DEL', conf(c, 2), node.name)).code).toBe(0);
  });

  withDummy('CNI_IFNAME taken in the container: refused, the existing link untouched, no temporary link and no lease left', async () => {
    const c = await make();
    await must('ip', ['-n', c.ns.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    const r = await call(c, 'ADD', conf(c, 3));
    expect(r.code).not.toBe(0);
    expect(r.json?.msg).toMatch(/^failed to rename dummy to "eth0": .*exists/i);
    expect(await links(c.ns.name)).toEqual(['eth0', 'eth1', 'lo']);
    expect((await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], c.ns.name))[0].linkinfo.info_kind).toBe('veth');
    expect(await leases(c)).toEqual([]);
  });

  withDummy('a failed IPAM leaves no link', async () => {
    const c = await make();
    const r = await call(
      c,
      'ADD',
      conf(c, 4, { ipam: { type: 'host-local', dataDir: c.dataDir, ranges: [[{ subnet: `10.${ID}.4.0/30` }]], rangeStart: 'x' } }),
    );
    expect(r.code).not.toBe(0);
    expect(await links(c.ns.name)).toEqual(['lo']);
  });

  it.runIf(!!NO_DUMMY)('without dummy links in the kernel: the refusal is plain, and the lease IPAM took alongside is released', async () => {
    const c = await make();
    const r = await call(c, 'ADD', conf(c, 5));
    expect(r.json?.msg).toBe('failed to create dummy: this kernel has no "dummy" link type (Error: Unknown device type.)');
    // IPAM ran (its round-robin cursor moved) but its lease is gone again.
    expect(existsSync(`${c.dataDir}/${c.net}`)).toBe(true);
    expect(await leases(c)).toEqual([]);
    expect(await links(c.ns.name)).toEqual(['lo']);
  });

  it('no ipam: refused before anything, as upstream ("dummy interface requires an IPAM configuration")', async () => {
    const c = await make();
    const { ipam: _, ...noIpam } = conf(c, 6);
    for (const verb of ['ADD', 'CHECK']) {
      const r = await call(c, verb, verb === 'CHECK' ? { ...noIpam, prevResult: { cniVersion: '1.1.0' } } : noIpam);
      expect(r.json).toMatchObject({ code: 7, msg: 'ipam: dummy interface requires an IPAM configuration (ipam.type)' });
    }
    expect(await links(c.ns.name)).toEqual(['lo']);
    // DEL of such a config only has a link to look for: success.
    expect((await call(c, 'DEL', noIpam)).code).toBe(0);
  });

  it('DEL with the namespace gone, or never there: success, and the lease is released', async () => {
    const c = await make();
    // A lease as an ADD would have left it (our host-local, same config and attachment).
    const hl = await runPlugin(ourBin('host-local'), { command: 'ADD', containerId: c.cid, netns: c.ns.path, ifname: 'eth0' }, conf(c, 7));
    expect(hl.code, hl.stdout).toBe(0);
    expect((await leases(c)).sort()).toEqual([`10.${ID}.7.2`, `fd00:${ID}:7::2`]);
    await must('ip', ['netns', 'del', c.ns.name]);
    expect((await call(c, 'DEL', conf(c, 7))).code).toBe(0);
    expect(await leases(c)).toEqual([]);
    const r = await runPlugin(ourBin('dummy'), { command: 'DEL', containerId: c.cid, netns: '', ifname: 'eth0' }, conf(c, 7));
    expect(r.code, r.stdout).toBe(0);
  });
});
