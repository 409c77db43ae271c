import { describe, expect, it } from 'vitest';
import { collectVlanTrunk, loadConf } from './config.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'bridge' };

describe('loadConf', () => {
  it('applies the reference defaults', () => {
    const c = loadConf(base);
    expect(c).toMatchObject({ bridge: 'cni0', isGateway: false, ipMasq: false, mtu: 0, vlan: 0, ipamType: '', hairpinMode: false });
    expect(c.trunk).toBeUndefined();
  });
  it('isDefaultGateway implies isGateway', () => {
    expect(loadConf({ ...base, isDefaultGateway: true }).isGateway).toBe(true);
  });
  it('reads keys case-insensitively like Go', () => {
    expect(loadConf({ ...base, HairpinMode: true, BRIDGE: 'br9' })).toMatchObject({ hairpinMode: true, bridge: 'br9' });
  });
  it('rejects wrong JSON types naming the field', () => {
    expect(() => loadConf({ ...base, hairpinMode: 'true' })).toThrow(/hairpinMode/);
    expect(() => loadConf({ ...base, mtu: 1.5 })).toThrow(/mtu/);
  });
  it.each([
    [{ hairpinMode: true, promiscMode: true }, /cannot set hairpin mode and promiscuous mode at the same time/],
    [{ vlan: 4095 }, /invalid VLAN ID 4095 \(must be between 0 and 4094\)/],
    [{ vlan: -1 }, /invalid VLAN ID -1/],
    [{ ipMasqBackend: 'pf' }, /unknown ipmasq backend "pf"/],
    [{ disableContainerInterface: true, ipam: { type: 'host-local' } }, /cannot use IPAM when DisableContainerInterface flag is set/],
    [{ bridge: 'a;b c' }, /bridge/],
    [{ bridge: 'waytoolongbridgename' }, /too long/],
  ])('rejects %j', (extra, msg) => {
    expect(() => loadConf({ ...base, ...extra })).toThrow(msg);
  });
  it('errors are code 7', () => {
    try {
      loadConf({ ...base, vlan: 5000 });
    } catch (e) {
      expect((e as { code: number }).code).toBe(7);
    }
  });
  it('MAC precedence: runtimeConfig > args.cni > CNI_ARGS', () => {
    const all = { ...base, runtimeConfig: { mac: '02:00:00:00:00:01' }, args: { cni: { mac: '02:00:00:00:00:02' } } };
    expect(loadConf(all, 'MAC=02:00:00:00:00:03').mac).toBe('02:00:00:00:00:01');
    expect(loadConf({ ...base, args: { cni: { mac: '02:00:00:00:00:02' } } }, 'MAC=02:00:00:00:00:03').mac).toBe('02:00:00:00:00:02');
    expect(loadConf(base, 'MAC=02:AA:00:00:00:03').mac).toBe('02:aa:00:00:00:03');
  });
  it('refuses bad MACs and unknown CNI_ARGS', () => {
    expect(() => loadConf(base, 'MAC=zz')).toThrow(/failed to make veth pair/);
    expect(() => loadConf(base, 'MAC=01:00:00:00:00:01')).toThrow(/multicast/);
    expect(() => loadConf(base, 'IP=10.0.0.1')).toThrow(/unknown args/);
    expect(loadConf(base, 'IgnoreUnknown=1;IP=10.0.0.1').mac).toBeUndefined();
  });
});

describe('collectVlanTrunk', () => {
  it('sorts and dedupes', () => {
    expect(collectVlanTrunk([{ id: 5 }, { minID: 3, maxID: 6 }, { id: 101 }])).toEqual([3, 4, 5, 6, 101]);
    expect(collectVlanTrunk([])).toEqual([]);
  });
  it.each([
    [{ minID: 0, maxID: 3 }, 'incorrect trunk minID parameter'],
    [{ minID: 1, maxID: 4095 }, 'incorrect trunk maxID parameter'],
    [{ minID: 5, maxID: 3 }, 'minID is greater than maxID in trunk parameter'],
    [{ maxID: 3 }, 'minID is missing'],
    [{ minID: 3 }, 'maxID is missing'],
    [{ id: 0 }, 'incorrect trunk id parameter'],
  ])('rejects %j', (t, msg) => {
    expect(() => collectVlanTrunk([t])).toThrow(msg);
  });
  it('an empty list still counts as trunk mode (vlan_filtering)', () => {
    expect(loadConf({ ...base, vlanTrunk: [] }).trunk).toEqual([]);
  });
});
