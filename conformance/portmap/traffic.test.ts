// Real traffic through published ports, TCP and UDP, for both backends: host → 127.0.0.1,
// host → bridge gateway, another namespace on the bridge → gateway, and hairpin (container →
// itself through the gateway). Plus the nftables table layout and DEL/CHECK there.
import { afterAll, describe, expect, it } from 'vitest';
import { nftRuleset, run } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { attach, echoServers, hostPort, makeNet, pmConf, portmap, probe, containerLines } from './setup.ts';

useCleanup({ scope: 'each' });

const nftPortmapRules = async (comment: string) =>
  (await nftRuleset()).nftables.filter((i: any) => i.rule?.table === 'cni_hostport' && i.rule.comment === comment).map((i: any) => i.rule);

afterAll(async () => {
  // The reference leaves its tables behind; we remove them only when no rule of anyone is left.
  const all = (await nftRuleset()).nftables.filter((i: any) => i.rule?.table === 'cni_hostport' && i.rule.comment);
  if (all.length === 0) for (const f of ['ip', 'ip6']) await run('nft', ['delete', 'table', f, 'cni_hostport']);
});

describe.each(['iptables', 'nftables'] as const)('portmap traffic (%s)', (backend) => {
  it('TCP and UDP reach the container from the host, another namespace, and itself', async () => {
    const net = await makeNet();
    const [a, b] = [await attach(net), await attach(net)];
    await echoServers(a, 7777);
    const [tcp, udp] = [hostPort(), hostPort()];
    const conf = pmConf(
      net,
      a,
      [
        { hostPort: tcp, containerPort: 7777, protocol: 'tcp' },
        { hostPort: udp, containerPort: 7777, protocol: 'udp' },
      ],
      { backend },
    );
    const add = await portmap('ours', 'ADD', a, conf);
    expect(add.code, add.stdout).toBe(0);
    expect((await run('cat', [`/proc/sys/net/ipv4/conf/${net.bridge}/route_localnet`])).stdout.trim()).toBe('1');
    const gw = net.sub.gw4;
    for (const [proto, port] of [
      ['tcp', tcp],
      ['udp', udp],
    ] as const) {
      expect(await probe(proto, '127.0.0.1', port), `${proto} host → 127.0.0.1`).toBe('ping');
      expect(await probe(proto, gw, port), `${proto} host → gateway`).toBe('ping');
      expect(await probe(proto, gw, port, b.ns), `${proto} other ns → gateway`).toBe('ping');
      expect(await probe(proto, gw, port, a.ns), `${proto} hairpin`).toBe('ping');
    }
    const chk = await portmap('ours', 'CHECK', a, conf);
    expect(chk.code, chk.stdout).toBe(0);
    if (backend === 'nftables') {
      const rules = await nftPortmapRules(`${net.name}/${a.cid}`);
      expect(rules.map((r: any) => r.chain).sort()).toEqual(['hostports', 'hostports', 'masquerading', 'masquerading']);
      expect(await containerLines(net, a.cid)).toEqual([]);
    }
    const del = await portmap('ours', 'DEL', a, pmConf(net, undefined, undefined, { backend }));
    expect(del.code, del.stdout).toBe(0);
    if (backend === 'nftables') expect(await nftPortmapRules(`${net.name}/${a.cid}`)).toEqual([]);
    else expect(await containerLines(net, a.cid)).toEqual([]);
    expect(await probe('tcp', gw, tcp)).toBe('');
  }, 60_000);
});

describe('nftables layout', () => {
  it('has the reference tables and chains; CHECK fails when a rule is removed; networks are kept apart', async () => {
    const net = await makeNet();
    const other = await makeNet();
    const a = await attach(net);
    const o = await attach(other, a.cid);
    const port = hostPort();
    const conf = pmConf(net, a, [{ hostPort: port, containerPort: 80, protocol: 'tcp' }], { backend: 'nftables' });
    expect((await portmap('ours', 'ADD', a, conf)).code).toBe(0);
    expect(
      (await portmap('ours', 'ADD', o, pmConf(other, o, [{ hostPort: hostPort(), containerPort: 80, protocol: 'tcp' }], { backend: 'nftables' }))).code,
    ).toBe(0);
    const rs = (await nftRuleset()).nftables;
    const chains = rs.filter((i: any) => i.chain?.table === 'cni_hostport' && i.chain.family === 'ip').map((i: any) => i.chain);
    expect(chains.map((c: any) => c.name).sort()).toEqual(['hostip_hostports', 'hostports', 'hostports_all', 'masquerading', 'output', 'prerouting']);
    expect(chains.find((c: any) => c.name === 'prerouting')).toMatchObject({ type: 'nat', hook: 'prerouting', prio: -100 });
    expect(chains.find((c: any) => c.name === 'masquerading')).toMatchObject({ type: 'nat', hook: 'postrouting', prio: 100 });
    // Same container ID on another network: DEL of one leaves the other's rules.
    expect((await portmap('ours', 'DEL', o, pmConf(other, undefined, undefined, { backend: 'nftables' }))).code).toBe(0);
    expect(await nftPortmapRules(`${net.name}/${a.cid}`)).toHaveLength(3);
    expect((await portmap('ours', 'CHECK', a, conf)).code).toBe(0);
    const hp = (await nftPortmapRules(`${net.name}/${a.cid}`)).find((r: any) => r.chain === 'hostports');
    await run('nft', ['delete', 'rule', 'ip', 'cni_hostport', 'hostports', 'handle', String(hp.handle)]);
    const chk = await portmap('ours', 'CHECK', a, conf);
    expect(chk.code).toBe(1);
    expect(chk.json.msg).toBe('could not check ipv4 dnat: missing hostport rules in "hostports" chain');
    const gc = await portmap('ours', 'GC', a, { cniVersion: '1.1.0', name: net.name, type: 'portmap', backend: 'nftables', 'cni.dev/valid-attachments': [] });
    expect(gc.code, gc.stdout).toBe(0);
    expect(await nftPortmapRules(`${net.name}/${a.cid}`)).toEqual([]);
  });
});
