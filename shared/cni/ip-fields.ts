// zod fields for IP-valued configuration keys, decoded as Go's net.IP / types.IPNet / types.Route
// JSON decoders do, with messages that name the value. Shared by the IPAM plugins.
import * as z from 'zod/mini';
import { cidrString, ipString, parseCidr, parseIp, type Ip } from '../host/addr.ts';
import { goStruct } from './schema.ts';
import type { Route } from './result.ts';

// An IP-valued key; "" means unset, as for Go's net.IP. (zod/mini's transform context has no
// addIssue: issues are pushed as classic zod's addIssue would record them.)
export const IpField = z.pipe(
  z.string(),
  z.transform((s: string, ctx): Ip | undefined => {
    if (s === '') return undefined;
    const ip = parseIp(s);
    if (!ip) {
      ctx.issues.push({ code: 'custom', message: `invalid IP address: ${s}`, input: s });
      return z.NEVER;
    }
    return ip;
  }),
);

export const CidrField = z.pipe(
  z.string(),
  z.transform((s: string, ctx) => {
    const c = parseCidr(s);
    if (!c) {
      ctx.issues.push({ code: 'custom', message: `invalid CIDR address: ${s}`, input: s });
      return z.NEVER;
    }
    return c;
  }),
);

const uint = () => z.optional(z.number().check(z.int(), z.nonnegative()));

/** A configured route (types.Route): returned as configured, in Go's canonical spelling. */
export const ConfRouteSchema = goStruct({
  dst: CidrField,
  gw: z.optional(IpField),
  mtu: uint(),
  advmss: uint(),
  priority: uint(),
  table: uint(),
  scope: uint(),
});
export type ConfRoute = z.infer<typeof ConfRouteSchema>;

/** A parsed configured route as it goes into a result. */
export function confRoute(r: ConfRoute): Route {
  const o: Route = { dst: cidrString(r.dst) };
  if (r.gw) o.gw = ipString(r.gw);
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) if (r[k] !== undefined) o[k] = r[k];
  return o;
}
