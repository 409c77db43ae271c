import { describe, expect, it } from 'vitest';
import { loadConf } from './config.ts';
import { attachRequest, checkDummyLink, dummyLinkSpec } from './plan.ts';
import { createFailure, createLinkLine, renameLine, type NewLink } from '../../shared/host/container-link.ts';
import { checkContainerLink, checkIfaceState } from '../../shared/host/iface-check.ts';
import { planIface } from '../../shared/cni/attach.ts';
import type { Link } from '../../shared/host/iproute2.ts';

const IPAM = { type: 'host-local', subnet: '10.137.0.0/24' };
const base = { cniVersion: '1.0.0', name: 'n', type: 'dummy', ipam: IPAM };
const NS = '/run/netns/c1';

describe('loadConf', () => {
  it('the generic keys only; unknown keys are kept for chained plugins', () => {
    const c = loadConf({ ...base, dns: { search: ['example.org'] }, mtu: 1400 });
    expect(c).toMatchObject({ name: 'n', ipamType: 'host-local' });
    expect(c.raw.dns).toEqual({ search: ['example.org'] });
  });
  it('reads keys case-insensitively like Go', () => expect(loadConf({ cniVersion: '1.0.0', Name: 'n', IPAM: { TYPE: 'static' } }).ipamType).toBe('static'));
  it.each([
    [{ ipam: undefined }, /^ipam: dummy interface requires an IPAM configuration \(ipam.type\)$/],
    [{ ipam: { type: '' } }, /dummy interface requires an IPAM configuration/],
    [{ ipam: 42 }, /ipam: /],
    [{ ipam: { type: 42 } }, /ipam.type: /],
    [{ ipam: { type: 'a/b' } }, /ipam.type: plugin type "a\/b" must not contain a path separator/],
    [{ dns: 42 }, /dns: /],
  ])('refuses %j naming the field', (extra, msg) => expect(() => loadConf({ ...base, ...extra })).toThrow(msg));
  it('DEL takes a config without IPAM', () => expect(loadConf({ ...base, ipam: undefined }, false).ipamType).toBe(''));
});

describe('ADD request', () => {
  it('IPAM alongside the link; the config’s dns when set, else IPAM’s', () => {
    const r = attachRequest(loadConf({ ...base, dns: { search: ['example.org'] } }), NS, 'eth0');
    expect(r).toMatchObject({ ipamType: 'host-local', ipamAlongside: true, sourceDns: true });
    expect(planIface(r, r.link(''), { ips: [{ address: '10.137.0.2/24' }], dns: { domain: 'x' } }).result.dns).toEqual({ search: ['example.org'] });
    const r2 = attachRequest(loadConf(base), NS, 'eth0');
    expect(planIface(r2, r2.link(''), { ips: [{ address: '10.137.0.2/24' }], dns: { domain: 'x' } }).result.dns).toEqual({ domain: 'x' });
  });
});

describe('the dummy link', () => {
  const spec = dummyLinkSpec(NS, 'eth0');
  it('made inside the container (no netns attribute, no parent), under a temporary name', () => {
    expect(spec).toMatchObject({ inContainer: true, kind: 'dummy' });
    expect(spec.parent).toBeUndefined();
    expect(createLinkLine(spec, 'veth0a0b0c0d')).toBe('link add name veth0a0b0c0d type dummy');
  });
  it('renamed by the first line of the container batch', () => {
    const l: NewLink = { netns: NS, ifname: 'eth0', kind: 'dummy', tmp: 'veth0a0b0c0d', name: 'veth0a0b0c0d' };
    expect(renameLine(l)).toEqual({ line: 'link set dev veth0a0b0c0d name eth0', failure: 'failed to rename dummy to "eth0"' });
  });
  it('a kernel without dummy links says so; other refusals keep the kernel’s words', () => {
    expect(createFailure(spec, 'Error: Unknown device type.\n').message).toBe(
      'failed to create dummy: this kernel has no "dummy" link type (Error: Unknown device type.)',
    );
    expect(createFailure(spec, 'RTNETLINK answers: File exists\n').message).toBe('failed to create dummy: RTNETLINK answers: File exists');
  });
});

const dummyLink = (over: Partial<Link> = {}): Link => ({
  ifindex: 2,
  ifname: 'eth0',
  flags: ['BROADCAST', 'NOARP', 'UP', 'LOWER_UP'],
  mtu: 1500,
  address: '02:00:00:00:00:03',
  linkinfo: { info_kind: 'dummy' },
  addr_info: [{ family: 'inet', local: '10.137.0.2', prefixlen: 24 }],
  ...over,
});

describe('CHECK', () => {
  const r = attachRequest(loadConf(base), NS, 'eth0');
  const prev = planIface(r, r.link(''), { ips: [{ address: '10.137.0.2/24', gateway: '10.137.0.1' }], routes: [{ dst: '10.0.0.0/8' }] }).result;
  prev.interfaces![0]!.mac = '02:00:00:00:00:03';
  const env = { netns: NS, ifname: 'eth0' };
  const routes = [
    { dst: '10.137.0.0/24', dev: 'eth0' },
    { dst: '10.0.0.0/8', gateway: '10.137.0.1', dev: 'eth0' },
  ];
  it('passes on the link as ADD made it, routes included', () => {
    const state = { link: dummyLink(), routes };
    expect(() => checkDummyLink(checkContainerLink({ kind: 'dummy' }, prev, env, state))).not.toThrow();
    expect(() => checkIfaceState('eth0', prev, state)).not.toThrow();
  });
  it('the link must be up (upstream’s check)', () =>
    expect(() => checkDummyLink(dummyLink({ flags: ['BROADCAST', 'NOARP'] }))).toThrow('Interface eth0 is down'));
  it('a link of another kind is refused', () =>
    expect(() => checkContainerLink({ kind: 'dummy' }, prev, env, { link: dummyLink({ linkinfo: { info_kind: 'veth' } }), routes })).toThrow(
      'Error: Container interface eth0 not of type dummy',
    ));
  it('a missing address or route fails', () => {
    expect(() => checkIfaceState('eth0', prev, { link: dummyLink({ addr_info: [] }), routes })).toThrow('Failed to match addr 10.137.0.2/24 on interface eth0');
    expect(() => checkIfaceState('eth0', prev, { link: dummyLink(), routes: routes.slice(0, 1) })).toThrow(/Expected Route \{Dst:10.0.0.0\/8/);
  });
});
