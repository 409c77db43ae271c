import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, ipString, type Ip } from '../../shared/host/addr.ts';
import { canonicalizeRange, canonicalizeRangeSet, rangeString, rangesOverlap, setContains, type RangeInput } from './range.ts';

const ip = (s: string): Ip => parseIp(s)!;
const rin = (subnet: string, o: { start?: string; end?: string; gw?: string } = {}): RangeInput => ({
  subnet: parseCidr(subnet)!,
  rangeStart: o.start ? ip(o.start) : undefined,
  rangeEnd: o.end ? ip(o.end) : undefined,
  gateway: o.gw ? ip(o.gw) : undefined,
});
const canon = (subnet: string, o = {}) => canonicalizeRange(rin(subnet, o));

describe('ip parsing (Go net.ParseIP semantics)', () => {
  it('accepts canonical forms and canonicalises', () => {
    expect(ipString(ip('10.0.0.1'))).toBe('10.0.0.1');
    expect(ipString(ip('FD00:0:0::0001'))).toBe('fd00::1');
    expect(ipString(ip('::ffff:10.1.2.3'))).toBe('10.1.2.3');
    expect(ipString(ip('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
  });
  it.each(['10.1', '010.0.0.1', '10.0.0.256', 'fe80::1%eth0', '', 'x', '10.0.0.1/24', '0x0a.0.0.1'])('rejects %j', (s) => {
    expect(parseIp(s)).toBeUndefined();
  });
  it('parses CIDRs keeping host bits', () => {
    expect(parseCidr('10.0.0.1/24')?.prefix).toBe(24);
    expect(ipString(parseCidr('10.0.0.1/24')!.ip)).toBe('10.0.0.1');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('fd00::/129')).toBeUndefined();
  });
});

describe('range defaults (upstream range_test)', () => {
  it('/24: .1 – .254, gateway .1', () => {
    const r = canon('192.0.2.0/24');
    expect([ipString(r.rangeStart), ipString(r.rangeEnd), ipString(r.gateway)]).toEqual(['192.0.2.1', '192.0.2.254', '192.0.2.1']);
  });
  it('/25: .1 – .126', () => {
    const r = canon('192.0.2.0/25');
    expect(rangeString(r)).toBe('192.0.2.1-192.0.2.126');
  });
  it('/30: .1 – .2', () => expect(rangeString(canon('10.0.0.0/30'))).toBe('10.0.0.1-10.0.0.2'));
  it('v6 /64: ::1 – :0:ffff:ffff:ffff:ffff (no broadcast; a single zero group is not compressed, as Go prints it)', () => {
    const r = canon('2001:db8:1::/64');
    expect(rangeString(r)).toBe('2001:db8:1::1-2001:db8:1:0:ffff:ffff:ffff:ffff');
    expect(ipString(r.gateway)).toBe('2001:db8:1::1');
  });
  it('v6 /120 ends at ::ff', () => expect(rangeString(canon('fd00:98::/120'))).toBe('fd00:98::1-fd00:98::ff'));
  it('keeps explicit start/end/gateway; gateway is not checked against the subnet', () => {
    const r = canon('192.0.2.0/24', { start: '192.0.2.40', end: '192.0.2.50', gw: '10.0.0.1' });
    expect(rangeString(r)).toBe('192.0.2.40-192.0.2.50');
    expect(ipString(r.gateway)).toBe('10.0.0.1');
  });
});

describe('range errors (reference wording)', () => {
  it('host bits', () => {
    expect(() => canon('192.0.2.1/24')).toThrow('Network has host bits set. For a subnet mask of length 24 the network address is 192.0.2.0');
    expect(() => canon('10.98.8.5/24')).toThrow('network address is 10.98.8.0');
  });
  it.each(['192.0.2.0/31', '192.0.2.0/32', '2001:db8::/127', '2001:db8::/128'])('too small: %s', (s) => {
    expect(() => canon(s)).toThrow(`Network ${s} too small to allocate from`);
  });
  it('too small is checked before host bits', () => expect(() => canon('10.98.8.1/31')).toThrow('Network 10.98.8.1/31 too small to allocate from'));
  it('rangeStart outside the subnet or after rangeEnd', () => {
    expect(() => canon('192.0.2.0/24', { start: '192.0.3.0' })).toThrow('RangeStart 192.0.3.0 not in network 192.0.2.0/24');
    expect(() => canon('192.0.2.0/24', { start: '192.0.2.60', end: '192.0.2.50' })).toThrow('RangeStart 192.0.2.60 not in network 192.0.2.0/24');
    expect(() => canon('192.0.2.0/24', { start: 'fd00::1' })).toThrow('RangeStart fd00::1 not in network');
  });
  it('rangeEnd outside the subnet or before rangeStart', () => {
    expect(() => canon('192.0.2.0/24', { end: '192.0.4.0' })).toThrow('RangeEnd 192.0.4.0 not in network 192.0.2.0/24');
    expect(() => canon('192.0.2.0/24', { end: '192.0.2.0', start: '192.0.2.0' })).not.toThrow();
  });
  it('missing subnet names the field', () => expect(() => canonicalizeRange({})).toThrow(/subnet: required/));
});

describe('range sets', () => {
  it('rejects an empty set and mixed families', () => {
    expect(() => canonicalizeRangeSet([])).toThrow('empty range set');
    expect(() => canonicalizeRangeSet([rin('10.0.0.0/24'), rin('fd00::/64')])).toThrow('mixed address families');
  });
  it('rejects overlapping ranges with both range strings', () => {
    expect(() => canonicalizeRangeSet([rin('10.98.8.0/24'), rin('10.98.8.0/25')])).toThrow('subnets 10.98.8.1-10.98.8.254 and 10.98.8.1-10.98.8.126 overlap');
  });
  it('same subnet, disjoint start/end ranges do not overlap', () => {
    expect(() => canonicalizeRangeSet([rin('10.0.0.0/24', { end: '10.0.0.100' }), rin('10.0.0.0/24', { start: '10.0.0.101' })])).not.toThrow();
  });
  it('overlap cases (upstream rangeset/range tests)', () => {
    const a = canon('10.0.0.0/24');
    expect(rangesOverlap(a, canon('10.0.0.0/25'))).toBe(true);
    expect(rangesOverlap(a, canon('10.0.1.0/24'))).toBe(false);
    expect(rangesOverlap(a, canon('fd00::/64'))).toBe(false);
    expect(rangesOverlap(canon('10.0.0.0/16'), canon('10.0.4.0/24'))).toBe(true); // contains both bounds
    expect(rangesOverlap(canon('10.0.0.0/24', { end: '10.0.0.10' }), canon('10.0.0.0/24', { start: '10.0.0.10' }))).toBe(true);
  });
  it('contains honours start/end and family', () => {
    const s = canonicalizeRangeSet([rin('10.0.0.0/24', { start: '10.0.0.10', end: '10.0.0.20' }), rin('10.0.1.0/24')]);
    expect(setContains(s, ip('10.0.0.9'))).toBe(false);
    expect(setContains(s, ip('10.0.0.10'))).toBe(true);
    expect(setContains(s, ip('10.0.1.255'))).toBe(false); // broadcast is after rangeEnd
    expect(setContains(s, ip('10.0.1.254'))).toBe(true);
    expect(setContains(s, ip('fd00::1'))).toBe(false);
  });
});
