import { describe, expect, it } from 'vitest';
import { ifaceBatch, ipv6Sysctls, notifySysctls } from './iface.ts';
import { checkIfaceState } from './iface-check.ts';
import { batchFailures, createFailure, createLinkLine, tempLinkName } from './container-link.ts';
import { randomVethName, vethPairLine } from './veth.ts';
import { randomMac } from './mac.ts';
import { ownLinkNames, linkStateOf } from './link-state.ts';

const lines = (p: Array<{ line: string }>) => p.map((l) => l.line);

describe('names', () => {
  it('host veth is veth + 8 hex', () => expect(randomVethName()).toMatch(/^veth[0-9a-f]{8}$/));
  it('MACs are local unicast', () => {
    const m = randomMac();
    expect(m).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(parseInt(m.slice(0, 2), 16) & 3).toBe(2);
  });
});

describe('ifaceBatch', () => {
  it('addresses, up, routes with the family gateway', () => {
    const b = ifaceBatch({
      ifname: 'eth0',
      index: 2,
      ips: [
        { interface: 2, address: '10.0.0.2/24', gateway: '10.0.0.1' },
        { interface: 2, address: 'fd00::2/64', gateway: 'fd00::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1' }, { dst: '192.168.0.0/16', priority: 5, table: 100, scope: 0 }],
    });
    expect(lines(b.addrs)).toEqual(['addr add 10.0.0.2/24 brd + dev eth0', 'addr add fd00::2/64 dev eth0', 'link set dev eth0 up']);
    expect(lines(b.routes)).toEqual([
      'route append 0.0.0.0/0 via 10.0.0.1 dev eth0',
      'route append ::/0 via fd00::1 dev eth0',
      'route append 192.168.0.0/16 via 10.0.0.1 dev eth0 metric 5 table 100 scope 0',
    ]);
  });
  it('an IP naming another interface is refused', () => {
    expect(() => ifaceBatch({ ifname: 'eth0', index: 2, ips: [{ interface: 0, address: '10.0.0.2/24' }], routes: [] })).toThrow(/invalid interface index/);
  });
  it('layer 2 only: just up', () => expect(lines(ifaceBatch({ ifname: 'net1', index: 0, ips: [], routes: [] }).addrs)).toEqual(['link set dev net1 up']));
});

describe('sysctls', () => {
  it('IPv6 knobs only with an IPv6 address', () => {
    expect(ipv6Sysctls('eth0', [{ address: '10.0.0.2/24' }])).toEqual([]);
    expect(ipv6Sysctls('eth0', [{ address: '10.0.0.2/24' }, { address: 'fd00::2/64' }])).toEqual([
      ['net/ipv6/conf/lo/disable_ipv6', '0'],
      ['net/ipv6/conf/eth0/disable_ipv6', '0'],
      ['net/ipv6/conf/eth0/keep_addr_on_down', '1'],
    ]);
  });
  it('notify', () =>
    expect(notifySysctls('veth01')).toEqual([
      ['net/ipv4/conf/veth01/arp_notify', '1'],
      ['net/ipv6/conf/veth01/ndisc_notify', '1'],
    ]));
  it('refuses a name that walks the tree', () => expect(() => notifySysctls('../x')).toThrow(/refusing/));
});

describe('container links', () => {
  const spec = { netns: '/run/netns/c1', ifname: 'eth0', kind: 'macvlan', parent: 'lan0', attrs: ['mtu', 1400], type: ['macvlan', 'mode', 'bridge'] };
  it('made in the host and moved in the same request', () =>
    expect(createLinkLine(spec, 'veth0a0b0c0d')).toBe('link add link lan0 name veth0a0b0c0d mtu 1400 netns /run/netns/c1 type macvlan mode bridge'));
  it('made inside the container with linkInContainer', () =>
    expect(createLinkLine({ ...spec, inContainer: true }, 'veth0a0b0c0d')).toBe('link add link lan0 name veth0a0b0c0d mtu 1400 type macvlan mode bridge'));
  it('a missing master is named', () => {
    expect(createFailure(spec, 'Cannot find device "lan0"\n').message).toBe('failed to lookup master "lan0": no link of that name in the host namespace');
    expect(createFailure({ ...spec, inContainer: true }, 'Cannot find device "lan0"\n').message).toMatch(/in the container namespace "\/run\/netns\/c1"/);
  });
  it('veth pair line', () =>
    expect(vethPairLine({ hostVeth: 'veth1', ifname: 'eth0', netns: '/run/netns/c1', mtu: 0, containerMac: '02:00:00:00:00:01' }).line).toBe(
      'link add veth1 type veth peer name eth0 address 02:00:00:00:00:01 netns /run/netns/c1',
    ));
});

describe('checkIfaceState', () => {
  const link = {
    ifindex: 3,
    ifname: 'eth0',
    flags: ['UP'],
    addr_info: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24 }],
  };
  const routes = [
    { dst: '10.0.0.0/24', dev: 'eth0' },
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
  ];
  it('passes with the address, its network route and a route given without gw (installed via the gateway)', () =>
    expect(() => checkIfaceState('eth0', { ips: [{ address: '10.0.0.2/24' }], routes: [{ dst: '0.0.0.0/0' }] }, { link, routes })).not.toThrow());
  it('names what is missing', () => {
    expect(() => checkIfaceState('eth0', { ips: [{ address: '10.0.0.3/24' }] }, { link, routes })).toThrow(/Failed to match addr 10.0.0.3\/24/);
    expect(() => checkIfaceState('eth0', { routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.9' }] }, { link, routes })).toThrow(/Expected Route/);
    expect(() => checkIfaceState('eth0', {}, { routes })).toThrow(/Interface name eth0 not found/);
  });
});

describe('link state', () => {
  it('reads /proc/net/dev names', () =>
    expect(ownLinkNames('Inter-|   Receive\n face |bytes\n    lo: 1 2\n  eth0: 3 4\nveth1: 5\n')).toEqual(['lo', 'eth0', 'veth1']));
  it('from ip -j', () =>
    expect(
      linkStateOf({ ifindex: 1, ifname: 'br0', flags: ['UP', 'PROMISC'], operstate: 'UP', address: 'aa', linkinfo: { info_kind: 'bridge' } }),
    ).toMatchObject({
      isBridge: true,
      up: true,
      promisc: true,
      operstate: 'up',
      defaultPvid: 1,
    }));
});

describe('temporary link names and DEL', () => {
  it('fixed per namespace and name, within IFNAMSIZ, different per attachment', () => {
    const a = tempLinkName('/run/netns/c1', 'eth0');
    expect(a).toMatch(/^cni[0-9a-f]{12}$/);
    expect(tempLinkName('/run/netns/c1', 'eth0')).toBe(a);
    expect(tempLinkName('/run/netns/c1', 'net1')).not.toBe(a);
    expect(tempLinkName('/run/netns/c2', 'eth0')).not.toBe(a);
  });
  it('reads each failing line of an ip -force batch', () =>
    expect([...batchFailures('Cannot find device "eth0"\nCommand failed -:1\nCannot find device "cni0"\nCommand failed -:2\n')]).toEqual([
      [0, 'Cannot find device "eth0"'],
      [1, 'Cannot find device "cni0"'],
    ]));
});
