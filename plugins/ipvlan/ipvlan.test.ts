import { describe, expect, it } from 'vitest';
import { addressSource, loadConf } from './config.ts';
import { attachRequest, checkRequest, ipvlanSpec } from './plan.ts';
import { checkLink, planIface } from '../../shared/cni/attach.ts';
import { thrown } from '../../shared/cni/thrown.ts';
import { createLinkLine } from '../../shared/host/container-link.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'ipvlan', master: 'lan0', ipam: { type: 'host-local' } };
const NS = '/run/netns/c1';
const PREV = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'net1' }],
  ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 3 }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: { nameservers: ['10.0.0.53'] },
};

describe('loadConf', () => {
  it('applies the reference defaults', () => {
    expect(loadConf({ cniVersion: '1.0.0', name: 'n', type: 'ipvlan' }, '1.0.0')).toMatchObject({
      master: '',
      mode: 'l2',
      mtu: 0,
      linkInContainer: false,
      ipamType: '',
    });
  });
  it('reads keys case-insensitively like Go', () => {
    expect(loadConf({ ...base, MODE: 'l3s', LinkInContainer: true, MTU: 1400 }, '1.0.0')).toMatchObject({ mode: 'l3s', linkInContainer: true, mtu: 1400 });
  });
  it.each([
    [{ mode: 'l4' }, /^mode: unknown ipvlan mode: "l4"/],
    [{ mode: 'L2' }, /^mode: unknown ipvlan mode/],
    [{ mtu: -5 }, /^mtu: invalid MTU -5/],
    [{ mtu: 'big' }, /mtu/],
    [{ master: 'a;b' }, /^master: /],
    [{ linkInContainer: 1 }, /linkInContainer/],
  ])('rejects %j with code 7, naming the field', (extra, msg) => {
    const f = () => loadConf({ ...base, ...extra }, '1.0.0');
    expect(f).toThrow(msg);
    expect(thrown(f).code).toBe(7);
  });
  it('every mode', () => {
    for (const mode of ['l2', 'l3', 'l3s']) expect(loadConf({ ...base, mode }, '1.0.0').mode).toBe(mode);
  });
  it('has no `flags` key (bridge/private/vepa): upstream v1.9.1 has none; the key is ignored as unknown', () => {
    expect(createLinkLine(ipvlanSpec(loadConf({ ...base, flags: 'private' }, '1.0.0'), NS, 'eth0', 'lan0'), 'veth01234567')).not.toMatch(/private/);
  });
});

describe('chained use', () => {
  const chained = { cniVersion: '1.0.0', name: 'n', type: 'ipvlan', prevResult: PREV };
  it('the master is prevResult’s single interface; the addresses are prevResult’s', () => {
    const c = loadConf(chained, '1.0.0');
    expect(c.master).toBe('net1');
    expect(addressSource(c)).toBe('prev');
  });
  it('a configured master wins over prevResult', () => {
    expect(loadConf({ ...chained, master: 'lan0' }, '1.0.0').master).toBe('lan0');
  });
  it('with ipam.type, IPAM gives the addresses even when chained', () => {
    expect(addressSource(loadConf({ ...chained, ipam: { type: 'host-local' } }, '1.0.0'))).toBe('ipam');
  });
  it('prevResult without exactly one named interface: the reference’s error', () => {
    const f = () => loadConf({ ...chained, prevResult: { ...PREV, interfaces: [{ name: 'a' }, { name: 'b' }] } }, '1.0.0');
    expect(f).toThrow('master: chained master failure. PrevResult lacks a single named interface');
  });
  it('no IPAM and no prevResult addresses: refused before anything is made', () => {
    expect(() => addressSource(loadConf({ ...base, ipam: {} }, '1.0.0'))).toThrow(/^ipam: no IPAM type configured and no addresses in prevResult/);
    expect(() => addressSource(loadConf({ ...chained, prevResult: { ...PREV, ips: [] } }, '1.0.0'))).toThrow(/^ipam: /);
  });
  it('the result: the ipvlan only, prevResult’s addresses on interface 0 and its routes, the config’s dns', () => {
    const r = attachRequest(loadConf({ ...chained, dns: { nameservers: ['192.0.2.53'] } }, '1.0.0'), NS, 'eth0');
    expect(r).toMatchObject({ ipamType: '', chained: PREV, notify: true });
    expect(planIface(r, r.link('net1'), r.chained).result).toEqual({
      interfaces: [{ name: 'eth0', mac: '', sandbox: NS }],
      ips: [{ interface: 0, address: '10.0.0.5/24', gateway: '10.0.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['192.0.2.53'] },
    });
  });
});

describe('CHECK request', () => {
  it('chained without master or IPAM: no master to look up (prevResult is the ipvlan’s own)', () => {
    expect(checkRequest({ cniVersion: '1.0.0', name: 'n', type: 'ipvlan', prevResult: PREV }, NS).master).toBeUndefined();
    expect(checkRequest({ cniVersion: '1.0.0', name: 'n', type: 'ipvlan', ipam: { type: 'host-local' } }, NS).master).toEqual({
      master: '',
      netns: NS,
      inContainer: false,
    });
    expect(checkRequest({ ...base, mode: 'l3' }, NS)).toMatchObject({
      want: { kind: 'ipvlan', mode: 'l3' },
      master: { master: 'lan0' },
      ipamType: 'host-local',
    });
  });
});

describe('link line', () => {
  it('created in the host and moved into the container in one request', () => {
    expect(createLinkLine(ipvlanSpec(loadConf({ ...base, mode: 'l3', mtu: 1400 }, '1.0.0'), NS, 'eth0', 'lan0'), 'veth01234567')).toBe(
      'link add link lan0 name veth01234567 mtu 1400 netns /run/netns/c1 type ipvlan mode l3',
    );
  });
  it('linkInContainer: made inside the container', () => {
    expect(createLinkLine(ipvlanSpec(loadConf({ ...base, linkInContainer: true }, '1.0.0'), NS, 'eth0', 'lan0'), 'veth01234567')).toBe(
      'link add link lan0 name veth01234567 type ipvlan mode l2',
    );
  });
});

describe('CHECK of the container link', () => {
  const prev = { interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: NS }], ips: [{ interface: 0, address: '10.0.0.2/24' }] };
  const link = (kind: string, mode: string) =>
    parseLinks([
      {
        ifindex: 2,
        ifname: 'eth0',
        address: '02:00:00:00:00:01',
        linkinfo: { info_kind: kind, info_data: { mode } },
        addr_info: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24 }],
      },
    ])[0]!;
  const routes = [{ dst: '10.0.0.0/24', dev: 'eth0' }];
  const env = { netns: NS, ifname: 'eth0' };
  it('passes for the kind and mode made', () => {
    expect(() => checkLink({ want: { kind: 'ipvlan', mode: 'l3' } }, env, prev, { link: link('ipvlan', 'l3'), routes })).not.toThrow();
  });
  it('fails for another mode or kind', () => {
    expect(() => checkLink({ want: { kind: 'ipvlan', mode: 'l2' } }, env, prev, { link: link('ipvlan', 'l3'), routes })).toThrow(
      'container ipvlan mode l3 does not match expected value: l2',
    );
    expect(() => checkLink({ want: { kind: 'ipvlan', mode: 'l2' } }, env, prev, { link: link('macvlan', 'bridge'), routes })).toThrow(/not of type ipvlan/);
  });
});
