import { describe, expect, it } from 'vitest';
import { loadConf } from './config.ts';
import { attachRequest, checkRequest, checkVlanLink, vlanLinkSpec } from './plan.ts';
import { createFailure, createLinkLine } from '../../shared/host/container-link.ts';
import { ifaceBatch } from '../../shared/host/iface.ts';
import { checkContainerLink } from '../../shared/host/iface-check.ts';
import { planIface } from '../../shared/cni/attach.ts';
import { checkMtu } from '../../shared/host/master.ts';
import { thrown } from '../../shared/cni/thrown.ts';
import { formatResult } from '../../shared/cni/result.ts';
import type { Link } from '../../shared/host/iproute2.ts';

const IPAM = { type: 'host-local', subnet: '10.135.0.0/24' };
const base = { cniVersion: '1.0.0', name: 'n', type: 'vlan', master: 'lan0', vlanId: 100, ipam: IPAM };
const NS = '/run/netns/c1';

describe('loadConf', () => {
  it('reads every key', () => {
    const c = loadConf({ ...base, mtu: 1400, linkInContainer: true, dns: { nameservers: ['10.135.0.1'] } });
    expect(c).toMatchObject({ name: 'n', master: 'lan0', vlanId: 100, mtu: 1400, linkInContainer: true, ipamType: 'host-local' });
    expect(c.raw.dns).toEqual({ nameservers: ['10.135.0.1'] });
  });
  it('defaults: vlanId 0 (priority-tagged, allowed upstream), mtu 0 (the master’s), linkInContainer false', () => {
    const { vlanId: _, ...noId } = base;
    expect(loadConf(noId)).toMatchObject({ vlanId: 0, mtu: 0, linkInContainer: false });
  });
  it('reads keys case-insensitively like Go; null is unset', () => {
    expect(
      loadConf({ cniVersion: '1.0.0', name: 'n', Master: 'lan1', VLANID: 7, MTU: 1300, LinkInContainer: true, IPAM: { Type: 'host-local' } }),
    ).toMatchObject({
      master: 'lan1',
      vlanId: 7,
      mtu: 1300,
      linkInContainer: true,
      ipamType: 'host-local',
    });
    expect(loadConf({ ...base, mtu: null }).mtu).toBe(0);
  });
  it('the VLAN ID range is upstream’s: 0 to 4094', () => {
    expect(loadConf({ ...base, vlanId: 0 }).vlanId).toBe(0);
    expect(loadConf({ ...base, vlanId: 4094 }).vlanId).toBe(4094);
  });
  it.each([
    [{ master: undefined }, /"master" field is required/],
    [{ master: '' }, /"master" field is required/],
    [{ master: 42 }, /master: /],
    [{ master: 'a b' }, /master: interface name contains/],
    [{ master: 'waytoolongmaster0' }, /master: interface name is too long/],
    [{ master: '..' }, /master: /],
    [{ vlanId: -1 }, /vlanId: invalid VLAN ID -1 \(must be between 0 and 4094\)/],
    [{ vlanId: 4095 }, /vlanId: invalid VLAN ID 4095/],
    [{ vlanId: 1.5 }, /vlanId: must be a whole number/],
    [{ vlanId: '5' }, /vlanId: /],
    [{ mtu: -1 }, /mtu: invalid MTU -1, must be \[0, master MTU\]/],
    [{ mtu: 2 ** 32 }, /mtu: invalid MTU/],
    [{ mtu: 'x' }, /mtu: /],
    [{ linkInContainer: 'yes' }, /linkInContainer: /],
    [{ ipam: undefined }, /ipam: vlan interface requires an IPAM configuration/],
    [{ ipam: {} }, /vlan interface requires an IPAM configuration/],
    [{ ipam: 'x' }, /ipam: /],
    [{ ipam: { type: '../bin/sh' } }, /ipam.type: .*path separator/],
  ])('refuses %j naming the field, with code 7', (extra, msg) => {
    const raw = { ...base, ...extra };
    expect(() => loadConf(raw)).toThrow(msg);
    expect(thrown(() => loadConf(raw)).code).toBe(7);
  });
  it('DEL takes a config without IPAM (no ADD accepted it, so there is only a link to look for)', () => {
    expect(loadConf({ ...base, ipam: undefined }, false).ipamType).toBe('');
    expect(() => loadConf({ ...base, vlanId: 5000 }, false)).toThrow(/vlanId/);
  });
});

describe('the VLAN link', () => {
  const conf = loadConf({ ...base, mtu: 1400 });
  it('created under its temporary name on the master and moved into the container in the same request', () =>
    expect(createLinkLine(vlanLinkSpec(conf, NS, 'eth0'), 'veth0a0b0c0d')).toBe(
      'link add link lan0 name veth0a0b0c0d mtu 1400 netns /run/netns/c1 type vlan id 100',
    ));
  it('no mtu attribute at 0: the kernel gives it the master’s', () =>
    expect(createLinkLine(vlanLinkSpec(loadConf(base), NS, 'eth0'), 'veth0a0b0c0d')).toBe(
      'link add link lan0 name veth0a0b0c0d netns /run/netns/c1 type vlan id 100',
    ));
  it('linkInContainer: made inside the container, on its master there', () => {
    const spec = vlanLinkSpec(loadConf({ ...base, linkInContainer: true }), NS, 'eth0');
    expect(spec.inContainer).toBe(true);
    expect(createLinkLine(spec, 'veth0a0b0c0d')).toBe('link add link lan0 name veth0a0b0c0d type vlan id 100');
  });
  it('a missing master is named, with where it was looked for', () => {
    const spec = vlanLinkSpec(conf, NS, 'eth0');
    expect(createFailure(spec, 'Cannot find device "lan0"\n').message).toBe('failed to lookup master "lan0": no link of that name in the host namespace');
    expect(createFailure({ ...spec, inContainer: true }, 'Cannot find device "lan0"\n').message).toBe(
      'failed to lookup master "lan0": no link of that name in the container namespace "/run/netns/c1"',
    );
  });
  it.each(['Error: 8021q: VLAN device already exists.\nCommand failed -:1\n', 'RTNETLINK answers: File exists\n'])(
    'a VLAN ID in use on the master (upstream #243) is named with the master: %j',
    (stderr) => {
      expect(createFailure(vlanLinkSpec(conf, NS, 'eth0'), stderr).message).toBe(
        'VLAN ID 100 is already in use on master "lan0": the kernel allows one VLAN link per ID on a master, whichever namespace holds it',
      );
    },
  );
  it('a kernel without 802.1q says so', () =>
    expect(createFailure(vlanLinkSpec(conf, NS, 'eth0'), 'Error: Unknown device type.\n').message).toBe(
      'failed to create vlan: this kernel has no "vlan" link type (Error: Unknown device type.)',
    ));
  it('other kernel refusals keep the kernel’s words', () =>
    expect(createFailure(vlanLinkSpec(conf, NS, 'eth0'), 'Error: 8021q: VLANs not supported on device.\n').message).toBe(
      'failed to create vlan: Error: 8021q: VLANs not supported on device.',
    ));
});

describe('the requests', () => {
  it('ADD: the master looked up for a configured MTU only (attach asks for its MTU when mtu > 0); IPAM’s dns passed on', () => {
    const r = attachRequest(loadConf({ ...base, mtu: 1400, linkInContainer: true }), NS, 'eth0');
    expect(r).toMatchObject({ master: { master: 'lan0', netns: NS, inContainer: true }, mtu: 1400, ipamType: 'host-local', sourceDns: true });
    expect(r.ipamAlongside).toBeUndefined();
    expect(r.link('ignored').parent).toBe('lan0');
  });
  it('CHECK: the master only once prevResult is read, as upstream', () =>
    expect(checkRequest(loadConf(base), NS)).toMatchObject({ want: { kind: 'vlan' }, master: { master: 'lan0' }, masterLate: true }));
  it('an MTU up to the master’s passes; above it is refused naming both', () => {
    expect(() => checkMtu(1500, { name: 'lan0', mtu: 1500 })).not.toThrow();
    const e = thrown(() => checkMtu(9000, { name: 'lan0', mtu: 1500 }));
    expect(e.message).toBe('mtu: invalid MTU 9000, must be [0, master MTU(1500)] (master "lan0")');
    expect(e.code).toBe(7);
  });
});

const vlanLink = (over: Partial<Link> = {}, data: Record<string, unknown> = { protocol: '802.1Q', id: 100 }): Link => ({
  ifindex: 2,
  ifname: 'eth0',
  flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
  mtu: 1500,
  address: '02:00:00:00:00:03',
  linkinfo: { info_kind: 'vlan', info_data: data },
  ...over,
});

describe('CHECK of the link', () => {
  const prev = { interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:03', sandbox: NS }] };
  const env = { netns: NS, ifname: 'eth0' };
  it('passes on the VLAN as ADD made it', () => {
    expect(() => checkVlanLink(loadConf(base), checkContainerLink({ kind: 'vlan' }, prev, env, { link: vlanLink(), routes: [] }))).not.toThrow();
  });
  it('the VLAN ID must match (upstream’s message talks of promisc: ours says what is wrong)', () =>
    expect(() => checkVlanLink(loadConf({ ...base, vlanId: 200 }), vlanLink())).toThrow(
      'Error: Container interface eth0 has VLAN ID 100, configured vlanId is 200',
    ));
  it('the MTU when one is configured', () => {
    expect(() => checkVlanLink(loadConf({ ...base, mtu: 1400 }), vlanLink())).toThrow('Error: configured MTU of eth0 is 1400, current value is 1500');
    expect(() => checkVlanLink(loadConf({ ...base, mtu: 1500 }), vlanLink())).not.toThrow();
  });
  it('the kind, the MAC and the sandbox', () => {
    expect(() => checkContainerLink({ kind: 'vlan' }, prev, env, { link: vlanLink({ linkinfo: { info_kind: 'macvlan' } }), routes: [] })).toThrow(
      'Error: Container interface eth0 not of type vlan',
    );
    expect(() => checkContainerLink({ kind: 'vlan' }, prev, env, { link: vlanLink({ address: '02:00:00:00:00:04' }), routes: [] })).toThrow(
      "Interface eth0 Mac 02:00:00:00:00:03 doesn't match container Mac: 02:00:00:00:00:04",
    );
    expect(() => checkContainerLink({ kind: 'vlan' }, prev, env, { link: vlanLink({ address: '02:00:00:00:00:03'.toUpperCase() }), routes: [] })).not.toThrow();
    expect(() => checkContainerLink({ kind: 'vlan' }, prev, { ...env, netns: '/run/netns/other' }, { link: vlanLink(), routes: [] })).toThrow(
      "Sandbox in prevResult  doesn't match configured netns: /run/netns/other",
    );
    expect(() => checkContainerLink({ kind: 'vlan' }, prev, env, { routes: [] })).toThrow('Container Interface name in prevResult: eth0 not found');
  });
});

describe('the result', () => {
  const ipam = {
    cniVersion: '1.0.0',
    ips: [
      { address: '10.135.0.2/24', gateway: '10.135.0.1' },
      { address: 'fd00:135::2/64', gateway: 'fd00:135::1' },
    ],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: { nameservers: ['10.135.0.53'] },
  };
  const singleIfaceResult = (dns: unknown) => {
    const r = attachRequest(loadConf({ ...base, dns }), NS, 'eth0');
    const { result } = planIface(r, r.link(''), ipam);
    result.interfaces![0]!.mac = '02:00:00:00:00:03';
    return result;
  };
  it('one interface, in the sandbox; every address on it; IPAM’s routes', () => {
    const r = singleIfaceResult(undefined);
    expect(r).toEqual({
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:03', sandbox: NS }],
      ips: [
        { address: '10.135.0.2/24', gateway: '10.135.0.1', interface: 0 },
        { address: 'fd00:135::2/64', gateway: 'fd00:135::1', interface: 0 },
      ],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.135.0.53'] },
    });
  });
  it('the config’s dns, when set, replaces IPAM’s', () => {
    expect(singleIfaceResult({ domain: 'example.org' }).dns).toEqual({ domain: 'example.org' });
    expect(singleIfaceResult({}).dns).toEqual({ nameservers: ['10.135.0.53'] });
  });
  it('prints in every version (0.2.0 has no interfaces)', () => {
    const r = singleIfaceResult(undefined);
    expect(formatResult(r, '0.4.0')).toMatchObject({
      interfaces: [{ name: 'eth0' }],
      ips: [
        { version: '4', interface: 0 },
        { version: '6', interface: 0 },
      ],
    });
    expect(formatResult(r, '0.2.0')).toMatchObject({ ip4: { ip: '10.135.0.2/24', gateway: '10.135.0.1' }, ip6: { ip: 'fd00:135::2/64' } });
  });
  it('the container batch: addresses, up, the default route via the family’s gateway', () => {
    const r = singleIfaceResult(undefined);
    const b = ifaceBatch({ ifname: 'eth0', index: 0, ips: r.ips ?? [], routes: r.routes ?? [] });
    expect([...b.addrs, ...b.routes].map((l) => l.line)).toEqual([
      'addr add 10.135.0.2/24 brd + dev eth0',
      'addr add fd00:135::2/64 dev eth0',
      'link set dev eth0 up',
      'route append 0.0.0.0/0 via 10.135.0.1 dev eth0',
    ]);
  });
});
