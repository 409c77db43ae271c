import { describe, expect, it } from 'vitest';
import { loadConf } from './config.ts';
import { containerRoutes, forwardingSysctls, hostBatch, ptpIps } from './plan.ts';
import { checkState } from './check.ts';
import type { Link, RouteJson } from '../../shared/host/iproute2.ts';
import type { Result } from '../../shared/cni/result.ts';

const NS = '/var/run/netns/a';
const dual: Result = {
  ips: [
    { address: '10.0.0.2/24', gateway: '10.0.0.1' },
    { address: 'fd00::2/64', gateway: 'fd00::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }],
};

describe('loadConf', () => {
  it('defaults and case-insensitive keys', () => {
    const c = loadConf({ cniVersion: '1.0.0', name: 'n', type: 'ptp', IPMASQ: true, Mtu: 1400, ipam: { type: 'host-local' } });
    expect(c).toMatchObject({ name: 'n', ipMasq: true, mtu: 1400, ipamType: 'host-local' });
    expect(c.ipMasqBackend).toBeUndefined();
    expect(loadConf({ name: 'n' })).toMatchObject({ ipMasq: false, mtu: 0, ipamType: '' });
  });
  it('refuses what the reference refuses, naming the field', () => {
    expect(() => loadConf({ name: 'n', ipMasqBackend: 'ebtables' })).toThrow('unknown ipmasq backend "ebtables"');
    expect(() => loadConf({ name: 'n', mtu: -1 })).toThrow('mtu: -1 is out of range');
    expect(() => loadConf({ name: 'n', mtu: 1.5 })).toThrow(/mtu: must be a whole number/);
    expect(() => loadConf({ name: 'n', ipMasq: 'yes' })).toThrow(/ipMasq/);
    expect(loadConf({ name: 'n', ipMasqBackend: 'nftables' }).ipMasqBackend).toBe('nftables');
  });
});

describe('plan', () => {
  it('every address on interface 1, with its gateway; an address without one is refused', () => {
    expect(ptpIps(dual)).toEqual([
      { interface: 1, address: '10.0.0.2/24', gateway: '10.0.0.1' },
      { interface: 1, address: 'fd00::2/64', gateway: 'fd00::1' },
    ]);
    expect(() => ptpIps({ ips: [{ address: '10.0.0.2/24' }] })).toThrow('IPAM returned 10.0.0.2/24 without a gateway');
  });
  it('forwarding per family', () => {
    expect(forwardingSysctls(ptpIps(dual))).toEqual([
      ['net/ipv4/ip_forward', '1'],
      ['net/ipv6/conf/all/forwarding', '1'],
    ]);
    expect(forwardingSysctls([{ address: 'fd00::2/64' }])).toEqual([['net/ipv6/conf/all/forwarding', '1']]);
  });
  it('host batch: the pair, up, each gateway once as a host address, a host route per container address, the closing show', () => {
    const ips = [...ptpIps(dual), { interface: 1, address: '10.0.0.3/24', gateway: '10.0.0.1' }];
    expect(hostBatch({ hostVeth: 'veth01234567', ifname: 'eth0', netns: NS, mtu: 1400, ips }).map((l) => l.line)).toEqual([
      `link add veth01234567 mtu 1400 type veth peer name eth0 mtu 1400 netns ${NS}`,
      'link set dev veth01234567 up',
      'addr add 10.0.0.1/32 dev veth01234567',
      'addr add fd00::1/128 dev veth01234567',
      'route replace 10.0.0.2/32 dev veth01234567 scope host',
      'route replace fd00::2/128 dev veth01234567 scope host',
      'route replace 10.0.0.3/32 dev veth01234567 scope host',
      'link show dev veth01234567',
    ]);
  });
  it('container routes: the subnet route replaced by the gateway alone (link scope) and the subnet via it, from the address', () => {
    expect(containerRoutes('eth0', ptpIps(dual)).map((l) => l.line)).toEqual([
      'route del 10.0.0.0/24 dev eth0 proto kernel',
      'route add 10.0.0.1/32 dev eth0 scope link src 10.0.0.2',
      'route add 10.0.0.0/24 via 10.0.0.1 dev eth0 src 10.0.0.2',
      'route del fd00::/64 dev eth0 proto kernel',
      'route add fd00::1/128 dev eth0 scope link src fd00::2',
      'route add fd00::/64 via fd00::1 dev eth0 src fd00::2',
    ]);
  });
  it('refuses a hostile value before it reaches a batch line', () => {
    expect(() => hostBatch({ hostVeth: 'veth01234567', ifname: 'eth0', netns: 'a b', mtu: 0, ips: [] })).toThrow(/ip batch script/);
  });
});

describe('checkState', () => {
  const env = { netns: NS, ifname: 'eth0' };
  const prev: Result = {
    interfaces: [
      { name: 'veth01234567', mac: '02:00:00:00:00:02' },
      { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: NS },
    ],
    ips: [{ interface: 1, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }],
  };
  const link = (): Link => ({
    ifindex: 2,
    ifname: 'eth0',
    flags: ['UP'],
    address: '02:00:00:00:00:03',
    linkinfo: { info_kind: 'veth' },
    addr_info: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24 }],
  });
  const routes = (): RouteJson[] => [
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
    { dst: '10.0.0.0/24', gateway: '10.0.0.1', dev: 'eth0' },
    { dst: '10.0.0.1', dev: 'eth0', scope: 'link' },
  ];
  it('passes on the state ADD leaves, a route without gw included', () => {
    expect(() => checkState(prev, env, { link: link(), routes: routes() })).not.toThrow();
  });
  it("fails with the reference's messages", () => {
    expect(() => checkState(prev, { ...env, netns: '/var/run/netns/b' }, { link: link(), routes: routes() })).toThrow(
      "Sandbox in prevResult  doesn't match configured netns: /var/run/netns/b",
    );
    expect(() => checkState(prev, env, { routes: routes() })).toThrow('ptp: Container Interface name in prevResult: eth0 not found');
    expect(() => checkState(prev, env, { link: { ...link(), linkinfo: { info_kind: 'macvlan' } }, routes: routes() })).toThrow(
      'Error: Container interface eth0 not of type veth/p2p',
    );
    expect(() => checkState(prev, env, { link: { ...link(), address: '02:00:00:00:00:09' }, routes: routes() })).toThrow(
      "ptp: Interface eth0 Mac 02:00:00:00:00:03 doesn't match container Mac: 02:00:00:00:00:09",
    );
    expect(() => checkState(prev, env, { link: link(), routes: routes().slice(1) })).toThrow(
      'Expected Route {Dst:0.0.0.0/0 GW:<nil>} not found in routing table',
    );
  });
});
