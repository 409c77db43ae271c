// firewall against the reference 1.1.1 binary, each run inside its own host stand-in namespace:
// the same results and the same filter tables line for line, CHECK, DEL across implementations in
// both directions, DEL without prevResult or namespace, GC, concurrency, bad input.
import { describe, expect, it } from 'vitest';
import { containerId, createNetns, deleteNetns, netName, nsExec, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { FIREWALL, filterRules, inHost, makeHost, ruleLines, trackState, type Host, type Impl } from './sandbox.ts';
import { existsSync } from 'node:fs';

useCleanup({ scope: 'each' });

interface Att {
  cid: string;
  ns: Netns;
  bridge: string;
  n: number;
  dual: boolean;
}

/** A bridge plugin's result for address 10.201.<n>.2 (and fd01:201:<n>::2), in `version`. */
function prevOf(a: Att, version: string) {
  const v04 = version === '0.4.0';
  const ip = (address: string, gateway: string, fam: string) => ({ ...(v04 ? { version: fam } : {}), interface: 2, address, gateway });
  return {
    cniVersion: version,
    interfaces: [
      { name: a.bridge, mac: '02:00:00:00:00:01' },
      { name: `veth${a.n}`, mac: '02:00:00:00:00:02' },
      { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: a.ns.path },
    ],
    ips: [ip(`10.201.${a.n}.2/24`, `10.201.${a.n}.1`, '4'), ...(a.dual ? [ip(`fd01:201:${a.n}::2/64`, `fd01:201:${a.n}::1`, '6')] : [])],
    routes: [{ dst: '0.0.0.0/0', gw: `10.201.${a.n}.1` }],
    dns: { nameservers: ['10.201.0.53'] },
  };
}

const fwConf = (net: string, version: string, extra: Record<string, unknown> = {}, prev?: object) => ({
  cniVersion: version,
  name: net,
  type: 'firewall',
  backend: 'iptables',
  ...extra,
  ...(prev ? { prevResult: prev } : {}),
});

function fw(impl: Impl, host: Host, command: string, a: Att, conf: object) {
  return inHost(host, FIREWALL[impl], { command, containerId: a.cid, netns: a.ns.path, ifname: 'eth0' }, conf);
}

async function att(n: number, dual = true, bridge = `cgbr${n}`): Promise<Att> {
  return { cid: containerId(), ns: await createNetns(), bridge, n, dual };
}

const tables = async (h: Host) => ({ v4: await filterRules(h), v6: await filterRules(h, true) });
const addrLines = (t: { v4: string[]; v6: string[] }) => [...t.v4, ...t.v6].filter((l) => /10\.201\.|fd01:201:/.test(l));

// Three attachments: dual-stack open, dual-stack same-bridge on another bridge, IPv4-only with a custom admin chain.
const SCENARIO: Array<{ version: string; extra: Record<string, unknown>; dual: boolean }> = [
  { version: '1.0.0', extra: {}, dual: true },
  { version: '0.4.0', extra: { ingressPolicy: 'same-bridge' }, dual: true },
  { version: '1.0.0', extra: { iptablesAdminChainName: 'CNI-OPS', ingressPolicy: 'same-bridge' }, dual: false },
];

describe('firewall iptables backend against the reference', () => {
  it("same results and filter tables; CHECK passes on the other's rules; each DELs what the other ADDed", async () => {
    const hosts = { ours: await makeHost(), ref: await makeHost() };
    const atts = await Promise.all(SCENARIO.map((s, i) => att(i + 1, s.dual)));
    const nets = { ours: netName(), ref: netName() };
    trackState(nets.ours);
    trackState(nets.ref);
    const results: Record<Impl, unknown[]> = { ours: [], ref: [] };
    for (const impl of ['ours', 'ref'] as const) {
      for (const [i, s] of SCENARIO.entries()) {
        const r = await fw(impl, hosts[impl], 'ADD', atts[i]!, fwConf(nets[impl], s.version, s.extra, prevOf(atts[i]!, s.version)));
        expect(r.code, `${impl} ADD ${i}: ${r.stdout}`).toBe(0);
        results[impl].push(r.json);
      }
    }
    expect(results.ours).toEqual(results.ref);
    expect(results.ours[1]).toEqual(prevOf(atts[1]!, '0.4.0'));
    const [tOurs, tRef] = [await tables(hosts.ours), await tables(hosts.ref)];
    expect(tOurs).toEqual(tRef);
    expect(ruleLines(tOurs.v4)).toContain('-A CNI-FORWARD -s 10.201.3.2/32 -j ACCEPT');
    expect(ruleLines(tOurs.v4)).toContain('-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-OPS');
    expect(ruleLines(tOurs.v6)).toContain(
      '-A CNI-ISOLATION-STAGE-2 -o cgbr2 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j DROP',
    );

    // CHECK of the other implementation's rules.
    for (const [impl, other] of [
      ['ours', 'ref'],
      ['ref', 'ours'],
    ] as const) {
      for (const [i, s] of SCENARIO.entries()) {
        const r = await fw(impl, hosts[other], 'CHECK', atts[i]!, fwConf(nets[other], s.version, s.extra, prevOf(atts[i]!, s.version)));
        expect(r.code, `${impl} CHECK of ${other}'s ${i}: ${r.stdout}`).toBe(0);
      }
    }
    // DEL across: the reference removes ours, ours removes the reference's.
    for (const [impl, other] of [
      ['ref', 'ours'],
      ['ours', 'ref'],
    ] as const) {
      for (const [i, s] of SCENARIO.entries()) {
        const r = await fw(impl, hosts[other], 'DEL', atts[i]!, fwConf(nets[other], s.version, s.extra, prevOf(atts[i]!, s.version)));
        expect(r.code, `${impl} DEL of ${other}'s ${i}: ${r.stdout}`).toBe(0);
      }
    }
    const [aOurs, aRef] = [await tables(hosts.ours), await tables(hosts.ref)];
    expect(addrLines(aOurs)).toEqual([]);
    expect(aOurs).toEqual(aRef);
    // The reference knows nothing of our records: ours DEL without prevResult drops them quietly.
    expect(existsSync(`/var/lib/cni/firewall/${nets.ours}`)).toBe(true);
    for (const a of atts) expect((await fw('ours', hosts.ours, 'DEL', a, fwConf(nets.ours, '1.0.0'))).code).toBe(0);
    expect(existsSync(`/var/lib/cni/firewall/${nets.ours}`)).toBe(false);
    expect(await tables(hosts.ours)).toEqual(aRef);
  });

  it("DEL without prevResult and with the namespace gone removes exactly this container's rules; DEL is idempotent", async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const [a, b] = [await att(1), await att(2)];
    for (const x of [a, b]) expect((await fw('ours', host, 'ADD', x, fwConf(net, '1.0.0', {}, prevOf(x, '1.0.0')))).code).toBe(0);
    await deleteNetns(a.ns);
    const r = await fw('ours', host, 'DEL', a, fwConf(net, '1.0.0'));
    expect(r.code, r.stdout).toBe(0);
    const left = addrLines(await tables(host));
    expect(left.some((l) => l.includes('10.201.1.2') || l.includes('fd01:201:1::2'))).toBe(false);
    expect(left).toHaveLength(4);
    expect((await fw('ours', host, 'DEL', a, fwConf(net, '1.0.0'))).code).toBe(0);
    expect((await fw('ours', host, 'DEL', a, fwConf(net, '1.0.0', {}, prevOf(a, '1.0.0')))).code).toBe(0);
    // The reference without prevResult removes nothing at all (it has nothing to go by).
    const ref = await fw('ref', host, 'DEL', b, fwConf(net, '1.0.0'));
    expect(ref.code).toBe(0);
    expect(addrLines(await tables(host))).toHaveLength(4);
    expect((await fw('ours', host, 'DEL', b, fwConf(net, '1.0.0'))).code).toBe(0);
    expect(addrLines(await tables(host))).toEqual([]);
  });

  it("CHECK names the missing rule in the reference's words; ADD twice adds nothing twice", async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const a = await att(1);
    const conf = fwConf(net, '1.0.0', { ingressPolicy: 'same-bridge' }, prevOf(a, '1.0.0'));
    expect((await fw('ours', host, 'ADD', a, conf)).code).toBe(0);
    const once = await tables(host);
    expect((await fw('ours', host, 'ADD', a, conf)).code).toBe(0);
    expect(await tables(host)).toEqual(once);
    await nsExec(host.ns.name, 'iptables', [
      '-w',
      '-D',
      'CNI-FORWARD',
      '-d',
      '10.201.1.2/32',
      '-m',
      'conntrack',
      '--ctstate',
      'RELATED,ESTABLISHED',
      '-j',
      'ACCEPT',
    ]);
    const [ours, ref] = [await fw('ours', host, 'CHECK', a, conf), await fw('ref', host, 'CHECK', a, conf)];
    expect(ours.code).toBe(1);
    expect(ours.json.msg).toBe('expected rule [-d 10.201.1.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT] not found');
    expect(ours.json.msg).toBe(ref.json.msg);
    expect((await fw('ours', host, 'ADD', a, conf)).code).toBe(0);
    expect((await fw('ours', host, 'CHECK', a, conf)).code).toBe(0);
    // The isolation rules are checked too (the reference does not look at them).
    await nsExec(host.ns.name, 'iptables', ['-w', '-F', 'CNI-ISOLATION-STAGE-2']);
    const iso = await fw('ours', host, 'CHECK', a, conf);
    expect(iso.json.msg).toMatch(/^expected CNI-ISOLATION-STAGE-2 rule \[-o cgbr1 .*-j DROP\] not found$/);
    expect((await fw('ref', host, 'CHECK', a, conf)).code).toBe(0);
    expect((await fw('ours', host, 'DEL', a, conf)).code).toBe(0);
  });

  it('GC removes the rules of attachments no longer valid, only of its network; a shared address stays until its last user goes', async () => {
    const host = await makeHost();
    const [net, other] = [netName(), netName()];
    trackState(net);
    trackState(other);
    const [a, b, o] = [await att(1), await att(2), await att(3)];
    // d has b's address (a reused address, an earlier lease): the rules are the same rules.
    const d = { ...(await att(2)), cid: containerId() };
    for (const [n, x] of [
      [net, a],
      [net, b],
      [other, o],
      [other, d],
    ] as const) {
      expect((await fw('ours', host, 'ADD', x, fwConf(n, '1.1.0', {}, prevOf(x, '1.1.0')))).code).toBe(0);
    }
    const gc = (valid?: Att[]) =>
      inHost(
        host,
        FIREWALL.ours,
        { command: 'GC' },
        {
          ...fwConf(net, '1.1.0'),
          ...(valid ? { 'cni.dev/valid-attachments': valid.map((x) => ({ containerID: x.cid, ifname: 'eth0' })) } : {}),
        },
      );
    expect((await gc()).code).toBe(0);
    expect(addrLines(await tables(host))).toHaveLength(12);
    const r = await gc([b]);
    expect(r.code, r.stdout).toBe(0);
    const left = addrLines(await tables(host));
    expect(left.some((l) => l.includes('10.201.1.2/32') || l.includes('fd01:201:1::2/128'))).toBe(false);
    expect(left).toHaveLength(8);
    // b goes; d still has the same address: its rules stay.
    expect((await gc([])).code).toBe(0);
    expect(addrLines(await tables(host))).toHaveLength(8);
    expect((await fw('ours', host, 'DEL', d, fwConf(other, '1.1.0'))).code).toBe(0);
    expect(addrLines(await tables(host))).toHaveLength(4);
    expect((await fw('ours', host, 'DEL', o, fwConf(other, '1.1.0'))).code).toBe(0);
    expect(addrLines(await tables(host))).toEqual([]);
    const st = await inHost(host, FIREWALL.ours, { command: 'STATUS' }, fwConf(net, '1.1.0'));
    expect(st.code, st.stdout).toBe(0);
  });

  it('bad input is refused before anything changes; where the reference errs late or not at all', async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const a = await att(1);
    const prev = prevOf(a, '1.0.0');
    for (const [extra, msg] of [
      [{ ingressPolicy: 'bogus' }, /^ingressPolicy: unknown ingress policy "bogus"/],
      [{ backend: 'nftables' }, /^backend: unknown backend "nftables"/],
      [{ iptablesAdminChainName: 'A B -j DROP' }, /^iptablesAdminChainName: invalid chain name/],
    ] as const) {
      const r = await fw('ours', host, 'ADD', a, fwConf(net, '1.0.0', extra, prev));
      expect(r.json?.code, r.stdout).toBe(7);
      expect(r.json.msg.replace(/^failed to load netconf: /, '')).toMatch(msg);
    }
    const hostile = await fw(
      'ours',
      host,
      'ADD',
      a,
      fwConf(net, '1.0.0', { ingressPolicy: 'same-bridge' }, { ...prev, interfaces: [{ name: 'br0 -j ACCEPT' }] }),
    );
    expect(hostile.json?.code).toBe(6);
    expect(await tables(host)).toEqual(await tables(await makeHost()));
    expect(existsSync(`/var/lib/cni/firewall/${net}`)).toBe(false);
    // The reference adds the address rules first and fails on the policy afterwards (code 999).
    const ref = await fw('ref', host, 'ADD', a, fwConf(net, '1.0.0', { ingressPolicy: 'bogus' }, prev));
    expect(ref.json).toMatchObject({ code: 999, msg: 'unknown ingress policy: "bogus"' });
    expect(addrLines(await tables(host)).length).toBeGreaterThan(0);
    // No prevResult: the same error as the reference.
    const [o, r] = [await fw('ours', host, 'ADD', a, fwConf(net, '1.0.0')), await fw('ref', host, 'ADD', a, fwConf(net, '1.0.0'))];
    expect(o.json.msg).toBe('missing prevResult from earlier plugin');
    expect(o.json.msg).toBe(r.json.msg);
    // Older spec versions: the reference refuses them; ours serves them.
    const v031 = await fw('ours', host, 'ADD', { ...a, cid: containerId() }, fwConf(net, '0.3.1', {}, prevOf({ ...a, n: 9 }, '0.4.0')));
    expect(v031.code, v031.stdout).toBe(0);
    expect(v031.json.cniVersion).toBe('0.3.1');
    expect((await fw('ref', host, 'ADD', a, fwConf(net, '0.3.1', {}, prev))).json.code).toBe(1);
  });

  it('20 concurrent ADDs then DELs keep the shared chains and jumps single', async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const ns = await createNetns();
    const atts: Att[] = Array.from({ length: 20 }, (_, i) => ({ cid: containerId(), ns, bridge: 'cgbr0', n: 10 + i, dual: true }));
    const adds = await Promise.all(atts.map((x) => fw('ours', host, 'ADD', x, fwConf(net, '1.0.0', { ingressPolicy: 'same-bridge' }, prevOf(x, '1.0.0')))));
    expect(adds.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    const t = await tables(host);
    expect(addrLines(t)).toHaveLength(80);
    for (const rules of [t.v4, t.v6]) {
      for (const once of [
        '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
        '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides"',
        '-A CNI-ISOLATION-STAGE-1 -i cgbr0',
        '-A FORWARD -m comment --comment "CNI firewall plugin rules (ingressPolicy',
      ]) {
        expect(
          rules.filter((l) => l.startsWith(once)),
          once,
        ).toHaveLength(1);
      }
    }
    const dels = await Promise.all(atts.map((x) => fw('ours', host, 'DEL', x, fwConf(net, '1.0.0', { ingressPolicy: 'same-bridge' }))));
    expect(dels.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    expect(addrLines(await tables(host))).toEqual([]);
  }, 120_000);
});
