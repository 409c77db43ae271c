import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, ipString } from '../../shared/host/addr.ts';
import { canonicalizeRangeSet, type RangeInput } from './range.ts';
import { candidates, pickFree } from './order.ts';
import { decide, takeRequested } from './plan.ts';

const set = (...subnets: (string | RangeInput)[]) => canonicalizeRangeSet(subnets.map((s) => (typeof s === 'string' ? { subnet: parseCidr(s)! } : s)));
const ip = (s: string) => parseIp(s)!;
const order = (s: ReturnType<typeof set>, last?: string) => [...candidates(s, last ? ip(last) : undefined)].map((c) => ipString(c.ip));

/** Allocate like a sequence of ADDs: the taken map, last reserved updated per reservation. */
function allocator(s: ReturnType<typeof set>) {
  const taken = new Set<string>();
  let last: string | undefined;
  return {
    taken,
    get: () => {
      const c = pickFree(s, last ? ip(last) : undefined, (x) => taken.has(x));
      if (!c) return undefined;
      last = ipString(c.ip);
      taken.add(last);
      return last;
    },
  };
}

describe('iteration order', () => {
  it('from the start, skipping the gateway, never the broadcast', () => {
    expect(order(set('10.0.0.0/29'))).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });
  it('from the end: wraps to rangeStart', () => {
    expect(order(set('10.0.0.0/29'), '10.0.0.6')).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });
  it('from the middle: last reserved is tried last', () => {
    expect(order(set('10.0.0.0/29'), '10.0.0.3')).toEqual(['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2', '10.0.0.3']);
  });
  it('across ranges and back', () => {
    expect(order(set('10.0.0.0/30', '10.0.1.0/30'), '10.0.0.2')).toEqual(['10.0.1.2', '10.0.0.2']);
    expect(order(set({ subnet: parseCidr('10.0.0.0/24')!, rangeStart: ip('10.0.0.10'), rangeEnd: ip('10.0.0.11') }, '10.0.1.0/30'))).toEqual([
      '10.0.0.10',
      '10.0.0.11',
      '10.0.1.2',
    ]);
  });
  it('a custom gateway .6 in a /29 makes .1 the first address', () => {
    expect(order(set({ subnet: parseCidr('10.98.0.0/29')!, gateway: ip('10.98.0.6') }))).toEqual([
      '10.98.0.1',
      '10.98.0.2',
      '10.98.0.3',
      '10.98.0.4',
      '10.98.0.5',
    ]);
  });
  it('a range holding only its gateway yields nothing', () => {
    expect(order(set({ subnet: parseCidr('10.0.0.0/30')!, rangeEnd: ip('10.0.0.1') }))).toEqual([]);
  });
  it('v6 /64 starts at ::2', () => {
    const it6 = candidates(set('2001:db8:1::/64'));
    expect(ipString(it6.next().value!.ip)).toBe('2001:db8:1::2');
  });
  it('v6 range end is allocatable (fd00:98::ff in a /120)', () => {
    expect(order(set('fd00:98::/120'), 'fd00:98::fe')[0]).toBe('fd00:98::ff');
  });
});

describe('round robin table (upstream allocator_test)', () => {
  const cases: { subnets: string[]; taken: string[]; last?: string; want: string }[] = [
    { subnets: ['10.0.0.0/29'], taken: [], want: '10.0.0.2' },
    { subnets: ['2001:db8:1::0/64'], taken: [], want: '2001:db8:1::2' },
    { subnets: ['10.0.0.0/30'], taken: [], want: '10.0.0.2' },
    { subnets: ['10.0.0.0/29'], taken: ['10.0.0.2'], want: '10.0.0.3' },
    { subnets: ['10.0.0.0/29'], taken: [], last: '10.0.0.5', want: '10.0.0.6' },
    { subnets: ['10.0.0.0/29'], taken: ['10.0.0.4', '10.0.0.5'], last: '10.0.0.3', want: '10.0.0.6' },
    { subnets: ['10.0.0.0/29'], taken: ['10.0.0.6'], last: '10.0.0.5', want: '10.0.0.2' },
    { subnets: ['10.0.0.0/29'], taken: ['10.0.0.2'], last: '10.0.0.128', want: '10.0.0.3' }, // last out of range
    { subnets: ['10.0.0.0/29'], taken: ['10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6'], last: '10.0.0.3', want: '10.0.0.3' },
    { subnets: ['10.0.0.0/30', '10.0.1.0/30'], taken: [], want: '10.0.0.2' },
    { subnets: ['10.0.0.0/30', '10.0.1.0/30'], taken: [], last: '10.0.0.2', want: '10.0.1.2' },
    { subnets: ['10.0.0.0/30', '10.0.1.0/30', '10.0.2.0/30'], taken: [], last: '10.0.2.2', want: '10.0.0.2' },
  ];
  it.each(cases)('$subnets taken=$taken last=$last → $want', ({ subnets, taken, last, want }) => {
    const c = pickFree(set(...subnets), last ? ip(last) : undefined, (x) => taken.includes(x));
    expect(ipString(c!.ip)).toBe(want);
  });
});

describe('allocation sequences', () => {
  it('/29: .2–.6 then exhausted (broadcast never allocated)', () => {
    const a = allocator(set('10.0.0.0/29'));
    expect([a.get(), a.get(), a.get(), a.get(), a.get(), a.get()]).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', undefined]);
  });
  it('/29 sequence observed with the Go plugin: c1..c3, DEL c2, c4, c5, c6 wraps to .3, c7 fails', () => {
    const a = allocator(set('10.98.0.0/29'));
    const got = [a.get(), a.get(), a.get()];
    a.taken.delete('10.98.0.3');
    got.push(a.get(), a.get(), a.get(), a.get());
    expect(got).toEqual(['10.98.0.2', '10.98.0.3', '10.98.0.4', '10.98.0.5', '10.98.0.6', '10.98.0.3', undefined]);
  });
});

describe('per range set decision', () => {
  const s = set('10.0.0.0/24');
  const view = (taken: string[] = [], heldBy: string[] = []) => ({ isTaken: (x: string) => taken.includes(x), heldBy: heldBy.map(ip) });
  it('requested address', () => {
    expect(decide(s, 'c', view(), ip('10.0.0.50'))).toMatchObject({ ok: true });
    expect(decide(s, 'c', view(['10.0.0.50']), ip('10.0.0.50'))).toEqual({
      ok: false,
      error: 'requested IP address 10.0.0.50 is not available in range set 10.0.0.1-10.0.0.254',
    });
    expect(decide(s, 'c', view(), ip('10.0.0.1'))).toEqual({ ok: false, error: "requested ip 10.0.0.1 is subnet's gateway" });
    expect(decide(s, 'c', view(), ip('10.0.1.1'))).toEqual({ ok: false, error: '10.0.1.1 not in range set 10.0.0.1-10.0.0.254' });
  });
  it('duplicate allocation in the same set is refused, other sets are not affected', () => {
    expect(decide(s, 'd1', view(['10.0.0.2'], ['10.0.0.2']))).toEqual({
      ok: false,
      error: '10.0.0.2 has been allocated to d1, duplicate allocation is not allowed',
    });
    expect(decide(s, 'd1', view(['10.0.9.2'], ['10.0.9.2']))).toMatchObject({ ok: true });
  });
  it('takeRequested picks the first request inside the set and consumes it', () => {
    const req = [ip('10.9.9.9'), ip('10.0.0.7'), ip('10.0.0.8')];
    expect(ipString(takeRequested(s, req)!)).toBe('10.0.0.7');
    expect(req.map(ipString)).toEqual(['10.9.9.9', '10.0.0.8']);
    expect(takeRequested(s, [ip('10.0.0.255')])).toBeUndefined(); // broadcast is outside the range
  });
});
