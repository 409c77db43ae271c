// Allocation order, as a pure function of the range set, the last reserved address and what is
// taken: the reference's RangeIter (round robin from last_reserved_ip + 1, skipping gateways,
// wrapping across ranges, the last reserved address itself tried last).
import { ipString, nextIp, same, type Ip } from '../../shared/host/addr.ts';
import { rangeFor, rangeSetString, setContains, type Range, type RangeSet } from './range.ts';

export interface Candidate {
  ip: Ip;
  range: Range;
}

/** Every allocatable address of the set in the order the reference tries them. */
export function* candidates(set: RangeSet, lastReserved?: Ip): Generator<Candidate> {
  let idx = 0;
  let cur: Ip | undefined;
  let start: Ip | undefined;
  if (lastReserved && setContains(set, lastReserved)) {
    // Resume after the last reservation: the first candidate is last + 1.
    const at = rangeFor(set, lastReserved);
    idx = at ? set.indexOf(at) : -1;
    cur = lastReserved;
  }
  for (;;) {
    let r = set[idx]!;
    if (cur === undefined) {
      // Fresh start: rangeStart itself is the first candidate (inclusive).
      cur = r.rangeStart;
      start = cur;
    } else {
      if (same(cur, r.rangeEnd)) {
        idx = (idx + 1) % set.length;
        r = set[idx]!;
        cur = r.rangeStart;
      } else {
        cur = nextIp(cur);
      }
      if (start === undefined) start = cur;
      else if (same(cur, start)) return;
    }
    if (same(cur, r.gateway)) continue;
    yield { ip: cur, range: r };
  }
}

/** The first candidate that is not taken, or undefined when the set is exhausted. */
export function pickFree(set: RangeSet, lastReserved: Ip | undefined, taken: (ip: string) => boolean): Candidate | undefined {
  for (const c of candidates(set, lastReserved)) if (!taken(ipString(c.ip))) return c;
  return undefined;
}

export const exhaustedMessage = (set: RangeSet): string => `no IP addresses available in range set: ${rangeSetString(set)}`;
