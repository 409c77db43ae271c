import { describe, expect, it } from 'vitest';
import { checkState } from './check.ts';
import { loadConf } from './config.ts';
import type { Link, RouteJson } from '../../shared/host/iproute2.ts';
import type { Result } from '../../shared/cni/result.ts';

const conf = loadConf({ cniVersion: '1.0.0', name: 'n', type: 'bridge', bridge: 'br0', isGateway: true, ipam: { type: 'host-local' } });
const env = { netns: '/var/run/netns/a', ifname: 'eth0' };
const prev: Result = {
  interfaces: [
    { name: 'br0', mac: '02:00:00:00:00:01' },
    { name: 'veth01234567', mac: '02:00:00:00:00:02' },
    { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: env.netns },
  ],
  ips: [{ interface: 2, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
};
const host = (): Link[] => [
  { ifindex: 5, ifname: 'br0', flags: ['UP'], address: '02:00:00:00:00:01', linkinfo: { info_kind: 'bridge' } },
  { ifindex: 6, ifname: 'veth01234567', flags: ['UP'], address: '02:00:00:00:00:02', master: 'br0', linkinfo: { info_kind: 'veth' } },
];
const cont = (): { link: Link; routes: RouteJson[] } => ({
  link: {
    ifindex: 2,
    ifname: 'eth0',
    flags: ['UP'],
    address: '02:00:00:00:00:03',
    link_index: 6,
    linkinfo: { info_kind: 'veth' },
    addr_info: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24 }],
  },
  routes: [
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
    { dst: '10.0.0.0/24', dev: 'eth0' },
  ],
});

describe('checkState', () => {
  it('passes on the state ADD leaves', () => {
    expect(() => checkState(conf, prev, env, host(), cont())).not.toThrow();
  });
  it('names each failing condition', () => {
    const h = host();
    h[0]!.flags.push('PROMISC');
    expect(() => checkState(conf, prev, env, h, cont())).toThrow("Bridge interface br0 configured Promisc Mode false doesn't match current state: true ");
    expect(() => checkState(conf, prev, env, host().slice(1), cont())).toThrow('Interface name br0 not found');
    expect(() => checkState(conf, prev, { ...env, netns: '/x' }, host(), cont())).toThrow("Sandbox in prevResult  doesn't match configured netns: /x");
    const c = cont();
    c.link.link_index = 99;
    expect(() => checkState(conf, prev, env, host(), c)).toThrow('CNI veth created for bridge br0 was not found');
    const c2 = cont();
    c2.link.addr_info = [];
    expect(() => checkState(conf, prev, env, host(), c2)).toThrow('Failed to match addr 10.0.0.2/24 on interface eth0');
    const c3 = cont();
    c3.routes = c3.routes.slice(1);
    expect(() => checkState(conf, prev, env, host(), c3)).toThrow('Expected Route {Dst:0.0.0.0/0 GW:<nil>} not found in routing table');
    const c4 = cont();
    c4.link.linkinfo = { info_kind: 'dummy' };
    expect(() => checkState(conf, prev, env, host(), c4)).toThrow('Error: Container interface eth0 not of type veth');
  });
  it('L2 prevResult (no ips) passes', () => {
    expect(() => checkState(conf, { interfaces: prev.interfaces! }, env, host(), { link: { ...cont().link, addr_info: [] }, routes: [] })).not.toThrow();
  });
});
