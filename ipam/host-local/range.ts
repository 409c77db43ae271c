// Ranges and range sets, validated and defaulted exactly as the reference's Canonicalize does, with
// its error wording (the messages are matched by users' tooling and by our comparison tests).
import { cidrString, cmp, inCidr, ipString, isV4, lastOf, networkOf, nextIp, prevIp, same, bits, type Cidr, type Ip } from '../../shared/host/addr.ts';

/** A range as configured (addresses already parsed). */
export interface RangeInput {
  subnet?: Cidr | undefined;
  rangeStart?: Ip | undefined;
  rangeEnd?: Ip | undefined;
  gateway?: Ip | undefined;
}

/** A canonical range: every bound known and checked. */
export interface Range {
  subnet: Cidr;
  rangeStart: Ip;
  rangeEnd: Ip;
  gateway: Ip;
}

export type RangeSet = Range[];

export const rangeString = (r: Range): string => `${ipString(r.rangeStart)}-${ipString(r.rangeEnd)}`;
export const rangeSetString = (s: RangeSet): string => s.map(rangeString).join(',');

/** Go's Range.Contains: in the subnet and within whichever bounds are known. */
function containsPartial(r: { subnet: Cidr; rangeStart?: Ip | undefined; rangeEnd?: Ip | undefined }, ip: Ip): boolean {
  if (!inCidr(ip, r.subnet)) return false;
  if (r.rangeStart && cmp(ip, r.rangeStart) < 0) return false;
  if (r.rangeEnd && cmp(ip, r.rangeEnd) > 0) return false;
  return true;
}

export const rangeContains = (r: Range, ip: Ip): boolean => containsPartial(r, ip);

/** Validate and fill defaults (Go's Range.Canonicalize). Throws Error with the reference wording. */
export function canonicalizeRange(input: RangeInput): Range {
  const subnet = input.subnet;
  if (!subnet) throw new Error('subnet: required (a CIDR such as "10.1.0.0/24")');
  const ones = subnet.prefix;
  if (ones > bits(subnet.ip) - 2) throw new Error(`Network ${cidrString(subnet)} too small to allocate from`);
  const network = networkOf(subnet);
  if (!same(network, subnet.ip)) {
    throw new Error(`Network has host bits set. For a subnet mask of length ${ones} the network address is ${ipString(network)}`);
  }
  // The gateway defaults to .1 and is not checked against the subnet (as upstream).
  const gateway = input.gateway ?? nextIp(network);
  const partial = { subnet, rangeStart: input.rangeStart, rangeEnd: input.rangeEnd };
  let rangeStart: Ip;
  if (input.rangeStart) {
    if (!containsPartial(partial, input.rangeStart)) throw new Error(`RangeStart ${ipString(input.rangeStart)} not in network ${cidrString(subnet)}`);
    rangeStart = input.rangeStart;
  } else {
    // .1, even though it is usually the gateway: the iterator skips gateways.
    rangeStart = nextIp(network);
  }
  let rangeEnd: Ip;
  if (input.rangeEnd) {
    if (!containsPartial({ subnet, rangeStart, rangeEnd: input.rangeEnd }, input.rangeEnd)) {
      throw new Error(`RangeEnd ${ipString(input.rangeEnd)} not in network ${cidrString(subnet)}`);
    }
    rangeEnd = input.rangeEnd;
  } else {
    // IPv4: broadcast - 1. IPv6: the last address of the prefix (no broadcast in v6).
    const last = lastOf(subnet);
    rangeEnd = isV4(last) ? prevIp(last) : last;
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** Go's Range.Overlaps: either range holds a bound of the other. */
export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.kind() !== b.rangeStart.kind()) return false;
  return rangeContains(a, b.rangeStart) || rangeContains(a, b.rangeEnd) || rangeContains(b, a.rangeStart) || rangeContains(b, a.rangeEnd);
}

/** Validate a range set (Go's RangeSet.Canonicalize). Throws Error with the reference wording. */
export function canonicalizeRangeSet(inputs: RangeInput[]): RangeSet {
  if (inputs.length === 0) throw new Error('empty range set');
  const set: RangeSet = [];
  for (const input of inputs) {
    const r = canonicalizeRange(input);
    if (set.length > 0 && set[0]!.rangeStart.kind() !== r.rangeStart.kind()) throw new Error('mixed address families');
    set.push(r);
  }
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      if (rangesOverlap(set[i]!, set[j]!)) throw new Error(`subnets ${rangeString(set[i]!)} and ${rangeString(set[j]!)} overlap`);
    }
  }
  return set;
}

export const setContains = (s: RangeSet, ip: Ip): boolean => s.some((r) => rangeContains(r, ip));
export const rangeFor = (s: RangeSet, ip: Ip): Range | undefined => s.find((r) => rangeContains(r, ip));
export const setsOverlap = (a: RangeSet, b: RangeSet): boolean => a.some((r1) => b.some((r2) => rangesOverlap(r1, r2)));
export const setIsV4 = (s: RangeSet): boolean => isV4(s[0]!.rangeStart);
