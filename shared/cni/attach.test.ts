import { describe, expect, it } from 'vitest';
import { ipamTypeOf, planIface, type AttachRequest } from './attach.ts';
import { thrown } from './thrown.ts';
import { confDns } from './config.ts';

describe('ipamTypeOf', () => {
  it('the type, or "" when none is configured and none is required', () => {
    expect(ipamTypeOf({ ipam: { type: 'host-local' } })).toBe('host-local');
    expect(ipamTypeOf({})).toBe('');
    expect(ipamTypeOf({ ipam: {} })).toBe('');
  });
  it('required: the message names the kind and the field (code 7)', () => {
    expect(() => ipamTypeOf({}, 'dummy')).toThrow('ipam: dummy interface requires an IPAM configuration (ipam.type)');
    expect(thrown(() => ipamTypeOf({}, 'vlan')).code).toBe(7);
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

describe('planIface', () => {
  const spec = { netns: '/run/netns/x', ifname: 'eth0', kind: 'macvlan', type: ['macvlan'] };
  const req = (over: Partial<AttachRequest> = {}): AttachRequest => ({ link: () => spec, ipamType: 'host-local', dns: undefined, ...over });
  const ipam = { ips: [{ address: '10.110.0.2/24', gateway: '10.110.0.1', interface: 2 }], dns: { nameservers: ['10.110.0.53'] } };
  it('no ips, routes or dns keys when the source gave none', () =>
    expect(planIface(req(), spec, { ips: [] }).result).toEqual({ interfaces: [{ name: 'eth0', mac: '', sandbox: '/run/netns/x' }] }));
  it('an address tied to another interface index is moved onto the only one', () =>
    expect(planIface(req(), spec, ipam).result.ips).toEqual([{ address: '10.110.0.2/24', gateway: '10.110.0.1', interface: 0 }]));
  it('dns: the config’s when set; the source’s only with sourceDns', () => {
    expect(planIface(req(), spec, ipam).result.dns).toBeUndefined();
    expect(planIface(req({ dns: {} }), spec, ipam).result.dns).toBeUndefined();
    expect(planIface(req({ sourceDns: true }), spec, ipam).result.dns).toEqual({ nameservers: ['10.110.0.53'] });
    expect(planIface(req({ sourceDns: true, dns: { domain: 'a' } }), spec, ipam).result.dns).toEqual({ domain: 'a' });
  });
  it('notify only with addresses (a layer-2 macvlan gets none, as the reference)', () => {
    expect(planIface(req({ notify: true }), spec, ipam).notify).toBe(true);
    expect(planIface(req({ notify: true, ipamType: '' }), spec, undefined).notify).toBe(false);
    expect(planIface(req(), spec, ipam).notify).toBe(false);
  });
  it('settles DAD before the routes only with an IPv6 gateway', () => {
    expect(planIface(req(), spec, ipam).settle).toBe(false);
    expect(planIface(req(), spec, { ips: [{ address: 'fd00:110::2/64', gateway: 'fd00:110::1' }] }).settle).toBe(true);
  });
});
