import { describe, expect, it } from 'vitest';
import { loadConf, pickMac } from './config.ts';
import { checkMtu } from '../../shared/host/master.ts';
import { attachRequest, macvlanSpec } from './plan.ts';
import { checkLink, planIface } from '../../shared/cni/attach.ts';
import { thrown } from '../../shared/cni/thrown.ts';
import { createLinkLine } from '../../shared/host/container-link.ts';
import { defaultRouteDev } from '../../shared/host/master.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'macvlan', master: 'lan0' };
const NS = '/run/netns/c1';

describe('loadConf', () => {
  it('applies the reference defaults', () => {
    expect(loadConf({ cniVersion: '1.0.0', name: 'n', type: 'macvlan' })).toMatchObject({
      master: '',
      mode: 'bridge',
      mtu: 0,
      linkInContainer: false,
      bcqueuelen: 0,
      ipamType: '',
    });
  });
  it('reads keys case-insensitively like Go', () => {
    expect(loadConf({ ...base, MODE: 'vepa', LinkInContainer: true, BCQueueLen: 7, Master: 'x0' })).toMatchObject({
      master: 'x0',
      mode: 'vepa',
      linkInContainer: true,
      bcqueuelen: 7,
    });
  });
  it.each([
    [{ mode: 'source' }, /^mode: unknown macvlan mode: "source"/],
    [{ mode: 'Bridge' }, /^mode: unknown macvlan mode/],
    [{ mtu: -1 }, /^mtu: invalid MTU -1/],
    [{ mtu: 1.5 }, /mtu: must be a whole number/],
    [{ bcqueuelen: -1 }, /bcqueuelen/],
    [{ bcqueuelen: 2 ** 32 }, /bcqueuelen/],
    [{ master: 'a b' }, /^master: /],
    [{ master: 'waytoolongmastername' }, /^master: interface name is too long/],
    [{ mac: 'zz:zz' }, /^mac: "zz:zz" is not a valid Ethernet MAC address/],
    [{ mac: '01:00:5e:00:00:01' }, /^mac: .* multicast/],
    [{ mac: '00:00:00:00:00:00:00:01' }, /^mac: .*not a valid Ethernet/],
    [{ runtimeConfig: { mac: 'x' } }, /^runtimeConfig\.mac: /],
    [{ linkInContainer: 'yes' }, /linkInContainer/],
  ])('rejects %j with code 7, naming the field', (extra, msg) => {
    const f = () => loadConf({ ...base, ...extra });
    expect(f).toThrow(msg);
    expect(thrown(f).code).toBe(7);
  });
  it('every mode', () => {
    for (const mode of ['bridge', 'private', 'vepa', 'passthru']) expect(loadConf({ ...base, mode }).mode).toBe(mode);
  });
});

describe('MAC sources', () => {
  it('mac < CNI_ARGS MAC= < runtimeConfig.mac', () => {
    const mac = '02:00:00:00:00:01';
    const env = 'MAC=02:00:00:00:00:02';
    const rc = { mac: '02:00:00:00:00:03' };
    expect(pickMac({ mac }, '')).toBe(mac);
    expect(pickMac({ mac }, env)).toBe('02:00:00:00:00:02');
    expect(pickMac({ mac, runtimeConfig: rc }, env)).toBe('02:00:00:00:00:03');
    expect(pickMac({}, '')).toBeUndefined();
  });
  it("Go's forms, lower-cased", () => {
    expect(pickMac({ mac: '02-AB-00-00-00-01' }, '')).toBe('02:ab:00:00:00:01');
    expect(pickMac({ mac: '02ab.0000.0001' }, '')).toBe('02:ab:00:00:00:01');
  });
  it('CNI_ARGS: unknown keys need IgnoreUnknown; a bad MAC names CNI_ARGS', () => {
    expect(() => pickMac({}, 'FOO=1')).toThrow(/unknown args/);
    expect(pickMac({}, 'IgnoreUnknown=1;FOO=1')).toBeUndefined();
    expect(() => pickMac({}, 'MAC=nope')).toThrow(/^CNI_ARGS MAC: /);
  });
});

describe('MTU against the master', () => {
  it('0 up to the master MTU', () => {
    const lan0 = { name: 'lan0', mtu: 1500 };
    expect(() => checkMtu(0, lan0)).not.toThrow();
    expect(() => checkMtu(1500, lan0)).not.toThrow();
    expect(() => checkMtu(1501, lan0)).toThrow('mtu: invalid MTU 1501, must be [0, master MTU(1500)] (master "lan0")');
    expect(() => checkMtu(9000, { name: 'lan0' })).not.toThrow();
  });
});

describe('link line', () => {
  it('created in the host and moved into the container in one request', () => {
    const c = loadConf({ ...base, mode: 'private', mtu: 1400, mac: '02:00:00:00:00:09', bcqueuelen: 100 });
    expect(createLinkLine(macvlanSpec(c, NS, 'eth0', 'lan0'), 'veth01234567')).toBe(
      'link add link lan0 name veth01234567 mtu 1400 address 02:00:00:00:00:09 netns /run/netns/c1 type macvlan mode private bcqueuelen 100',
    );
  });
  it('linkInContainer: made inside the container, no netns', () => {
    const c = loadConf({ ...base, linkInContainer: true });
    expect(createLinkLine(macvlanSpec(c, NS, 'eth0', 'lan0'), 'veth01234567')).toBe('link add link lan0 name veth01234567 type macvlan mode bridge');
  });
});

describe('result', () => {
  const resultOf = (raw: Record<string, unknown>, source: Parameters<typeof planIface>[2]) => {
    const r = attachRequest(loadConf(raw), NS, 'eth0');
    const { result } = planIface(r, r.link('lan0'), source);
    result.interfaces![0]!.mac = '02:00:00:00:00:01';
    return result;
  };
  it('one interface; IPs on interface 0; the config dns, not IPAM dns', () => {
    const r = resultOf(
      { ...base, dns: { nameservers: ['10.0.0.53'] } },
      {
        ips: [{ interface: 2, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
        routes: [{ dst: '0.0.0.0/0' }],
        dns: { nameservers: ['1.1.1.1'] },
      },
    );
    expect(r).toEqual({
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: NS }],
      ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.0.0.53'] },
    });
  });
  it('no config dns: none, whatever IPAM said', () =>
    expect(resultOf(base, { ips: [{ address: '10.0.0.2/24' }], dns: { nameservers: ['1.1.1.1'] } }).dns).toBeUndefined());
  it('layer 2: the interface only', () => {
    expect(resultOf(base, undefined)).toEqual({
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: NS }],
    });
  });
});

describe('default route interface', () => {
  it('the first default route of the main table', () => {
    expect(
      defaultRouteDev([
        { dst: '10.0.0.0/8', dev: 'a' },
        { dst: 'default', dev: 'b', table: 'local' },
        { dst: 'default', gateway: '192.0.2.1', dev: 'c' },
        { dst: 'default', dev: 'd' },
      ]),
    ).toBe('c');
    expect(defaultRouteDev([{ dst: 'default', nexthops: [{ dev: 'e' }] } as never])).toBe('e');
    expect(defaultRouteDev([{ dst: '10.0.0.0/8', dev: 'a' }])).toBeUndefined();
  });
});

describe('CHECK of the container link', () => {
  const prev = {
    interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: NS }],
    ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }],
  };
  const link = (kind: string, mode: string, mac = '02:00:00:00:00:01') =>
    parseLinks([
      {
        ifindex: 2,
        ifname: 'eth0',
        address: mac,
        linkinfo: { info_kind: kind, info_data: { mode } },
        addr_info: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24 }],
      },
    ])[0]!;
  const routes = [
    { dst: '10.0.0.0/24', dev: 'eth0' },
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
  ];
  const env = { netns: NS, ifname: 'eth0' };
  it('passes, with a route given without gw (the reference fails it)', () => {
    expect(() => checkLink({ want: { kind: 'macvlan', mode: 'bridge' } }, env, prev, { link: link('macvlan', 'bridge'), routes })).not.toThrow();
  });
  it.each([
    [{ ...env, netns: '/run/netns/other' }, link('macvlan', 'bridge'), /Sandbox in prevResult/],
    [env, link('veth', 'bridge'), /not of type macvlan/],
    [env, link('macvlan', 'vepa'), 'container macvlan mode vepa does not match expected value: bridge'],
    [env, link('macvlan', 'bridge', '02:00:00:00:00:02'), /Mac 02:00:00:00:00:01 doesn't match container Mac: 02:00:00:00:00:02/],
  ])('fails: %#', (e, l, msg) => {
    expect(() => checkLink({ want: { kind: 'macvlan', mode: 'bridge' } }, e, prev, { link: l, routes })).toThrow(msg);
  });
  it('fails without the link', () => {
    expect(() => checkLink({ want: { kind: 'macvlan', mode: 'bridge' } }, env, prev, { routes })).toThrow(/eth0 not found/);
  });
});
