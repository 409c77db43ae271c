import { describe, expect, it } from 'vitest';
import { ipamTypeOf, singleIfaceResult } from './attach.ts';
import { confDns } from './config.ts';

describe('ipamTypeOf', () => {
  it('the type, or "" when none is configured and none is required', () => {
    expect(ipamTypeOf({ ipam: { type: 'host-local' } })).toBe('host-local');
    expect(ipamTypeOf({})).toBe('');
    expect(ipamTypeOf({ ipam: {} })).toBe('');
  });
  it('required: the message names the kind and the field (code 7)', () => {
    expect(() => ipamTypeOf({}, 'dummy')).toThrow('ipam: dummy interface requires an IPAM configuration (ipam.type)');
    try {
      ipamTypeOf({}, 'vlan');
    } catch (e) {
      expect((e as { code: number }).code).toBe(7);
    }
  });
  it.each(['../x', '/bin/sh', '.', 'a\nb'])('a type that is no plugin name (%j) is refused before anything is made', (t) =>
    expect(() => ipamTypeOf({ ipam: { type: t } })).toThrow(/^ipam.type: /),
  );
});

describe('confDns', () => {
  it('the config’s when any field is set, else none (IPAM’s is used then)', () => {
    expect(confDns({})).toBeUndefined();
    expect(confDns({ dns: {} })).toBeUndefined();
    expect(confDns({ dns: { nameservers: [] } })).toBeUndefined();
    expect(confDns({ dns: { options: ['ndots:2'] } })).toEqual({ options: ['ndots:2'] });
  });
});

describe('singleIfaceResult', () => {
  it('no ips, routes or dns keys when IPAM gave none', () =>
    expect(singleIfaceResult({ ifname: 'eth0', netns: '/run/netns/x', mac: '' }, { ips: [] }, undefined)).toEqual({
      interfaces: [{ name: 'eth0', mac: '', sandbox: '/run/netns/x' }],
    }));
  it('an address IPAM tied to another interface index is moved onto the only one', () =>
    expect(singleIfaceResult({ ifname: 'eth0', netns: '/n', mac: 'm' }, { ips: [{ address: '10.0.0.2/24', interface: 2 }] }, undefined).ips).toEqual([
      { address: '10.0.0.2/24', interface: 0 },
    ]));
});
