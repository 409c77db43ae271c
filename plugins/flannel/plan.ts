// The delegate configuration, built as flannel-io/cni-plugin `flannel_linux.go` doManualAdd /
// getDelegateIPAM build it, and serialised as Go's json.Marshal of a map writes it (keys sorted at
// every level, routes in types.Route's field order, <, > and & escaped): the saved file is byte for
// byte upstream's.
import { cidrString } from '../../shared/host/addr.ts';
import { routeOut, type Route } from '../../shared/cni/result.ts';
import type { FlannelConfig, DelegateInput } from './config.ts';
import type { SubnetEnv } from './subnet-env.ts';

export function buildDelegate(c: FlannelConfig, input: DelegateInput, env: SubnetEnv): Record<string, unknown> {
  const d: Record<string, unknown> = { ...input.delegate };
  if (c.conf.runtimeConfig !== undefined) d.runtimeConfig = c.conf.runtimeConfig;
  d.name = c.name;
  if (!('type' in d)) d.type = 'bridge';
  // flanneld masquerades when it was started with --ip-masq: then the bridge must not.
  if (!('ipMasq' in d)) d.ipMasq = !env.ipMasq;
  if (!('mtu' in d)) d.mtu = env.mtu;
  if (d.type === 'bridge' && !('isGateway' in d)) d.isGateway = true;
  if (c.cniVersion !== '') d.cniVersion = c.cniVersion;
  const ipam: Record<string, unknown> = { ...input.ipam };
  if (!('type' in ipam)) ipam.type = 'host-local';
  // The node's lease, without a gateway: host-local takes the subnet's first address.
  ipam.ranges = [env.subnet, env.ip6Subnet].filter((s) => s !== undefined).map((s) => [{ subnet: cidrString(s) }]);
  const routes: Route[] = [...input.routes, ...[...env.networks, ...env.ip6Networks].map((n) => ({ dst: cidrString(n) }))];
  ipam.routes = routes;
  d.ipam = ipam;
  return d;
}

/** A JSON value with object keys sorted at every level (Go marshals maps so). */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sorted(o[k])]),
  );
}

/** The delegate configuration as upstream's bytes. */
export function delegateBytes(d: Record<string, unknown>): string {
  const ipam = d.ipam as Record<string, unknown>;
  const out = sorted({ ...d, ipam: { ...ipam, routes: [] } }) as Record<string, Record<string, unknown>>;
  out.ipam!.routes = (ipam.routes as Route[]).map(routeOut);
  return JSON.stringify(out).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
