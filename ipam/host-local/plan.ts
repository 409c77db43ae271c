// The ADD decision for one range set, pure over a view of the store: honour a requested address
// or pick the next free one, with the reference's checks and messages.
import { ipString, type Ip } from '../../shared/host/addr.ts';
import { pickFree, exhaustedMessage } from './order.ts';
import { rangeFor, rangeSetString, setContains, type Range, type RangeSet } from './range.ts';

export interface StoreView {
  isTaken(name: string): boolean;
  /** Addresses already held by this (id, ifname) or its legacy id-only form. */
  heldBy: Ip[];
  lastReserved?: Ip | undefined;
}

export type Decision = { ok: true; ip: Ip; range: Range } | { ok: false; error: string };

/** Take one requested address that falls in this set (first in request order). */
export function takeRequested(set: RangeSet, requested: Ip[]): Ip | undefined {
  const i = requested.findIndex((ip) => setContains(set, ip));
  if (i < 0) return undefined;
  return requested.splice(i, 1)[0];
}

export function decide(set: RangeSet, id: string, view: StoreView, requested?: Ip): Decision {
  if (requested) {
    const r = rangeFor(set, requested);
    if (!r) return { ok: false, error: `${ipString(requested)} not in range set ${rangeSetString(set)}` };
    if (ipString(requested) === ipString(r.gateway)) return { ok: false, error: `requested ip ${ipString(requested)} is subnet's gateway` };
    if (view.isTaken(ipString(requested))) {
      return { ok: false, error: `requested IP address ${ipString(requested)} is not available in range set ${rangeSetString(set)}` };
    }
    return { ok: true, ip: requested, range: r };
  }
  // Spec: no second allocation for the same attachment in the same range set.
  const dup = view.heldBy.find((ip) => setContains(set, ip));
  if (dup) return { ok: false, error: `${ipString(dup)} has been allocated to ${id}, duplicate allocation is not allowed` };
  const c = pickFree(set, view.lastReserved, view.isTaken);
  if (!c) return { ok: false, error: exhaustedMessage(set) };
  return { ok: true, ip: c.ip, range: c.range };
}
