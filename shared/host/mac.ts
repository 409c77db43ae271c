// Hardware addresses as Go's net.ParseMAC reads them (what tuning.go's changeMacAddr and macvlan's
// `mac` accept): 6, 8 or 20 octets written as xx:xx:…, xx-xx-… or xxxx.xxxx.…, in either case.
import { randomBytes } from 'node:crypto';

const SIZES = new Set([6, 8, 20]);
const HEX2 = /^[0-9a-fA-F]{2}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The address in iproute2's form (lower-case, colon-separated), or undefined when invalid. */
export function parseMac(s: string): string | undefined {
  if (s.length < 14) return undefined;
  let octets: string[];
  if (s[2] === ':' || s[2] === '-') {
    const groups = s.split(s[2]);
    if (!groups.every((g) => HEX2.test(g))) return undefined;
    octets = groups;
  } else if (s[4] === '.') {
    const groups = s.split('.');
    if (!groups.every((g) => HEX4.test(g))) return undefined;
    octets = groups.flatMap((g) => [g.slice(0, 2), g.slice(2)]);
  } else {
    return undefined;
  }
  if (!SIZES.has(octets.length)) return undefined;
  return octets.join(':').toLowerCase();
}

/** A random locally administered unicast MAC (what the kernel picks for a new veth or bridge). */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
