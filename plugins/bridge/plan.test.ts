import { describe, expect, it } from 'vitest';
import { loadConf } from './config.ts';
import { bridgeL3Batch, calcGateways, gatewayBatch, gatewayFor, hostBatch, linkSysctls, vlanBatch } from './plan.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } };

describe('calcGateways', () => {
  it('fills gateways (network + 1) and interface 2', () => {
    const p = calcGateways(loadConf({ ...base, isGateway: true }), {
      ips: [{ address: '10.1.2.7/24' }, { address: 'fd00:1::5/64' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
    expect(p.ips).toEqual([
      { interface: 2, address: '10.1.2.7/24', gateway: '10.1.2.1' },
      { interface: 2, address: 'fd00:1::5/64', gateway: 'fd00:1::1' },
    ]);
    expect(p.gateways).toEqual([
      { cidr: '10.1.2.1/24', family: 4 },
      { cidr: 'fd00:1::1/64', family: 6 },
    ]);
    expect(p.routes).toEqual([{ dst: '0.0.0.0/0' }]);
  });
  it('keeps an IPAM gateway, and adds no gateway without isGateway', () => {
    expect(calcGateways(loadConf(base), { ips: [{ address: '10.1.2.7/24', gateway: '10.1.2.254' }] }).ips[0]!.gateway).toBe('10.1.2.254');
    const p = calcGateways(loadConf(base), { ips: [{ address: '10.1.2.7/24' }] });
    expect(p.ips[0]!.gateway).toBeUndefined();
    expect(p.gateways).toEqual([]);
  });
  it('isDefaultGateway adds one default route per family', () => {
    const p = calcGateways(loadConf({ ...base, isDefaultGateway: true }), {
      ips: [{ address: '10.1.2.7/24' }, { address: '10.9.0.3/16' }, { address: 'fd00::3/64' }],
    });
    expect(p.routes).toEqual([
      { dst: '0.0.0.0/0', gw: '10.1.2.1' },
      { dst: '::/0', gw: 'fd00::1' },
    ]);
  });
  it('isDefaultGateway with an IPAM default route (no gw) does not duplicate it', () => {
    const p = calcGateways(loadConf({ ...base, isDefaultGateway: true }), { ips: [{ address: '10.1.2.7/24' }], routes: [{ dst: '0.0.0.0/0' }] });
    expect(p.routes).toEqual([{ dst: '0.0.0.0/0' }]);
  });
  it('gatewayFor', () => {
    expect(gatewayFor('10.0.0.255/23')).toBe('10.0.0.1');
    expect(gatewayFor('fd00::ffff/120')).toBe('fd00::ff01');
  });
});

describe('batches', () => {
  it('host batch for a new bridge', () => {
    const conf = loadConf({ ...base, mtu: 1400, hairpinMode: true, vlan: 5 });
    expect(
      hostBatch({
        conf,
        netns: '/var/run/netns/x',
        ifname: 'eth0',
        hostVeth: 'veth01234567',
        containerMac: '02:00:00:00:00:01',
        bridge: { exists: false, mac: '02:00:00:00:00:aa' },
      }).map((l) => l.line),
    ).toEqual([
      'link add br0 address 02:00:00:00:00:aa mtu 1400 type bridge vlan_filtering 1',
      'link set dev br0 up',
      'link add veth01234567 mtu 1400 type veth peer name eth0 mtu 1400 address 02:00:00:00:00:01 netns /var/run/netns/x',
      'link set dev veth01234567 master br0',
      'link set dev veth01234567 type bridge_slave hairpin on isolated off',
      'link set dev veth01234567 up',
    ]);
  });
  it('bridge layer 3 batch: neighbour flush per container address, then the gateway lines', () => {
    expect(bridgeL3Batch('br0', ['10.0.0.2/24', 'fd00::2/64'], ['addr replace 10.0.0.1/24 brd + dev br0'])).toEqual([
      { line: 'neigh flush to 10.0.0.2 dev br0', failure: 'failed to flush stale neighbours on "br0"' },
      { line: 'neigh flush to fd00::2 dev br0', failure: 'failed to flush stale neighbours on "br0"' },
      { line: 'addr replace 10.0.0.1/24 brd + dev br0', failure: 'failed to set bridge addr' },
    ]);
    expect(() => bridgeL3Batch('br0', ['10.0.0.2 x/24'], [])).toThrow(/refusing/);
  });
  it('pins an existing unpinned bridge and sets promisc', () => {
    const conf = loadConf({ ...base, promiscMode: true, portIsolation: true });
    const plan = hostBatch({
      conf,
      netns: '/proc/1/ns/net',
      ifname: 'eth0',
      hostVeth: 'veth01234567',
      containerMac: '02:00:00:00:00:01',
      bridge: { exists: true, pinned: false, mac: '02:00:00:00:00:bb' },
    });
    const l = plan.map((p) => p.line);
    // Each line says what its failure means; only the veth line is marked as creating something here.
    expect(plan.filter((p) => p.creates).map((p) => p.creates)).toEqual(['veth']);
    expect(plan[0]!.failure).toBe('failed to create bridge "br0"');
    expect(plan.at(-1)!.failure).toBe('failed to set up the host side of "eth0"');
    expect(l.slice(0, 3)).toEqual(['link set dev br0 address 02:00:00:00:00:bb', 'link set dev br0 promisc on', 'link set dev br0 up']);
    expect(l).toContain('link set dev veth01234567 type bridge_slave hairpin off isolated on');
  });
  it('refuses a netns path that would break the batch', () => {
    const conf = loadConf(base);
    expect(() =>
      hostBatch({
        conf,
        netns: '/x y',
        ifname: 'eth0',
        hostVeth: 'veth01234567',
        containerMac: '02:00:00:00:00:01',
        bridge: { exists: true, pinned: true, mac: '' },
      }),
    ).toThrow(/refusing/);
  });
  it('vlan batch (latest semantics)', () => {
    expect(vlanBatch(loadConf({ ...base, vlan: 5, vlanTrunk: [{ id: 7 }] }), 'v', 1)).toEqual([
      'vlan del dev v vid 1',
      'vlan add dev v vid 5 pvid untagged',
      'vlan add dev v vid 7',
    ]);
    expect(vlanBatch(loadConf({ ...base, vlanTrunk: [{ minID: 2, maxID: 3 }], preserveDefaultVlan: true }), 'v', 1)).toEqual([
      'vlan add dev v vid 2',
      'vlan add dev v vid 3',
      'vlan add dev v vid 1 pvid untagged',
    ]);
    expect(vlanBatch(loadConf(base), 'v', 1)).toEqual([]);
  });
  it('gateway batch: keep, add, conflict, force', () => {
    const conf = loadConf(base);
    expect(gatewayBatch(conf, 'br0', [{ family: 4, cidr: '10.0.0.1/24' }], [{ family: 4, cidr: '10.0.0.1/24' }])).toEqual([]);
    expect(
      gatewayBatch(
        conf,
        'br0',
        [],
        [
          { family: 4, cidr: '10.0.0.1/24' },
          { family: 6, cidr: 'fd00::1/64' },
        ],
      ),
    ).toEqual(['addr replace 10.0.0.1/24 brd + dev br0', 'addr replace fd00::1/64 dev br0']);
    expect(() => gatewayBatch(conf, 'br0', [{ family: 4, cidr: '10.5.0.1/24' }], [{ family: 4, cidr: '10.0.0.1/24' }])).toThrow(
      'failed to set bridge addr: "br0" already has an IP address different from 10.0.0.1/24',
    );
    expect(gatewayBatch(loadConf({ ...base, forceAddress: true }), 'br0', [{ family: 4, cidr: '10.5.0.1/24' }], [{ family: 4, cidr: '10.0.0.1/24' }])).toEqual([
      'addr del 10.5.0.1/24 dev br0',
      'addr replace 10.0.0.1/24 brd + dev br0',
    ]);
    // Non-overlapping IPv6 prefixes coexist; overlapping ones conflict.
    expect(gatewayBatch(conf, 'br0', [{ family: 6, cidr: 'fd01::1/64' }], [{ family: 6, cidr: 'fd00::1/64' }])).toEqual(['addr replace fd00::1/64 dev br0']);
    expect(() => gatewayBatch(conf, 'br0', [{ family: 6, cidr: 'fd00::9/64' }], [{ family: 6, cidr: 'fd00::1/64' }])).toThrow(/already has an IP address/);
  });
  it('container sysctls', () => {
    const conf = loadConf(base);
    expect(linkSysctls(conf, 'eth0')).toEqual([
      ['net/ipv6/conf/eth0/accept_dad', '0'],
      ['net/ipv4/conf/eth0/arp_notify', '1'],
    ]);
    expect(linkSysctls(loadConf({ ...base, enabledad: true }), 'eth0')).toEqual([
      ['net/ipv6/conf/eth0/enhanced_dad', '1'],
      ['net/ipv6/conf/eth0/accept_dad', '1'],
      ['net/ipv4/conf/eth0/arp_notify', '1'],
    ]);
    expect(() => linkSysctls(conf, '../x')).toThrow(/refusing/);
  });
});
