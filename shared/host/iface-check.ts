// CHECK of the container interface against prevResult: its addresses and the routes to them
// (containernetworking/plugins `pkg/ip/utils_linux.go` ValidateExpectedInterfaceIPs), then every
// route of the result (ValidateExpectedRoute). A route given without a gateway was installed via
// the address's gateway of its family, so any gateway matches it (the reference looks for an empty
// gateway and fails its own ADD's routes).
import { canonCidr, networkCidr, parseIp, same } from './addr.ts';
import { CniError, Code } from '../cni/errors.ts';
import type { Result } from '../cni/result.ts';
import { saysNotFound } from './exec.ts';
import { ipBatch, line, parseLinks, parseRoutes, type Link, type RouteJson } from './iproute2.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/** The interface and the namespace's routes, as one `ip -d -j -batch` inside the namespace. */
export interface IfaceState {
  link?: Link;
  routes: RouteJson[];
}

export async function readIface(netns: string, ifname: string): Promise<IfaceState> {
  const r = await ipBatch([line('addr', 'show', 'dev', ifname), line('route', 'show', 'table', 'all')], {
    netns,
    details: true,
    json: true,
    force: true,
    allowFail: true,
  });
  if (r.exitCode !== 0 && !saysNotFound(r)) throw fail(r.stderr.trim());
  // A missing link leaves only the route listing.
  const link = r.outputs.length === 2 ? parseLinks(r.outputs[0] ?? [])[0] : undefined;
  return { ...(link ? { link } : {}), routes: parseRoutes(r.outputs.at(-1) ?? []) };
}

const routeDst = (r: RouteJson): string => {
  if (r.dst === 'default') return r.gateway?.includes(':') ? '::/0' : r.gateway ? '0.0.0.0/0' : 'default';
  if (r.dst.includes('/')) return canonCidr(r.dst);
  return canonCidr(`${r.dst}/${r.dst.includes(':') ? 128 : 32}`);
};

/** prevResult's addresses on the link, a route to each address's network, and each of its routes. */
export function checkIfaceState(ifname: string, prev: Pick<Result, 'ips' | 'routes'>, s: IfaceState): void {
  const link = s.link;
  if (!link) throw fail(`Interface name ${ifname} not found`);
  const addrs = (link.addr_info ?? []).map((a) => canonCidr(`${a.local}/${a.prefixlen}`));
  const mine = s.routes.filter((r) => r.dev === ifname);
  for (const ip of prev.ips ?? []) {
    const want = canonCidr(ip.address);
    if (!addrs.includes(want)) throw fail(`Failed to match addr ${ip.address} on interface ${ifname}`);
    const net = networkCidr(want);
    if (!mine.some((r) => routeDst(r) === net || r.dst === want.split('/')[0])) throw fail(`Failed to find route for ${ip.address} on interface ${ifname}`);
  }
  for (const rt of prev.routes ?? []) {
    const dst = canonCidr(rt.dst);
    const ok = mine.some((r) => {
      const d = r.dst === 'default' ? (r.gateway?.includes(':') || (r.gateway === undefined && dst.includes(':')) ? '::/0' : '0.0.0.0/0') : routeDst(r);
      return d === dst && (rt.gw === undefined || r.gateway === rt.gw || (r.gateway !== undefined && same(parseIp(r.gateway), parseIp(rt.gw))));
    });
    if (!ok) throw fail(`Expected Route {Dst:${rt.dst} GW:${rt.gw ?? '<nil>'}} not found in routing table`);
  }
}

/** What the container's own link must be: its kind and, for macvlan and ipvlan, its mode. */
export interface LinkExpectation {
  kind: string;
  mode?: string;
}

/**
 * CHECK of a plugin's own container interface before its addresses: prevResult names it in this
 * namespace, it exists, it is of the expected kind (and mode), and its MAC is the one reported (the
 * upstream plugins' validateCniContainerInterface, e.g. containernetworking/plugins
 * `plugins/main/vlan/vlan.go`, and `plugins/main/macvlan/macvlan.go` for the mode). Returns the
 * link for the kind's own checks.
 */
export function checkContainerLink(want: LinkExpectation, prev: Pick<Result, 'interfaces'>, env: { netns: string; ifname: string }, s: IfaceState): Link {
  const { kind } = want;
  const ci = (prev.interfaces ?? []).find((i) => i.name === env.ifname && i.sandbox === env.netns);
  // As the reference: with no entry for this ifname in this netns, the "found" sandbox is empty.
  if (!ci) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${env.netns}`);
  const link = s.link;
  if (!link) throw fail(`Container Interface name in prevResult: ${env.ifname} not found`);
  if (link.linkinfo?.info_kind !== kind) throw fail(`Error: Container interface ${env.ifname} not of type ${kind}`);
  if (ci.mac && ci.mac.toLowerCase() !== (link.address ?? '').toLowerCase())
    throw fail(`Interface ${env.ifname} Mac ${ci.mac} doesn't match container Mac: ${link.address ?? ''}`);
  if (want.mode !== undefined) {
    const mode = (link.linkinfo?.info_data as { mode?: unknown } | undefined)?.mode;
    if (mode !== want.mode) throw fail(`container ${kind} mode ${String(mode)} does not match expected value: ${want.mode}`);
  }
  return link;
}
