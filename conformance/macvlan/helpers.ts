// macvlan/ipvlan conformance helpers. A namespace stands in for the node: its master is one end of
// a veth whose other end is in a second namespace standing in for the LAN (with a peer address on
// it), so no test ever uses a real interface. The plugin runs inside the node namespace.
import { containerId, createNetns, ipamDataDir, must, netName, run, sysctl, type Impl, type Netns, type PluginResult } from '../lib/index.ts';
import { callInNode, containerView, hostLocalLeases, makeNodeMaster, pick } from '../lib/master.ts';

export const IMPLS = ['ref', 'ours'] as const;

export interface Lan {
  node: Netns;
  lan: Netns;
  /** The master, in the node namespace. */
  master: string;
  /** Its peer, in the LAN namespace. */
  peer: string;
  /** "10.A.B." and "fd00:A:B::" of the LAN's /24 and /64; the peer is .254 / ::fe. */
  v4: string;
  v6: string;
}

/** A node namespace whose master `<prefix>m<n>` leads to a LAN namespace holding the peer 10.A.B.254. */
export async function makeLan(a: number, b: number, opts: { defaultRoute?: boolean; mtu?: number } = {}): Promise<Lan> {
  const { node, peerNs: lan, master, peer } = await makeNodeMaster({ lan: true, ...(opts.mtu ? { mtu: opts.mtu } : {}) });
  const v4 = `10.${a}.${b}.`;
  const v6 = `fd00:${a}:${b}::`;
  await must('ip', ['-n', lan.name, '-batch', '-'], {
    input: [`addr add ${v4}254/24 dev ${peer}`, `addr add ${v6}fe/64 dev ${peer} nodad`, `link set ${peer} up`, 'link set lo up'].join('\n'),
  });
  if (opts.defaultRoute) {
    await must('ip', ['-n', node.name, '-batch', '-'], {
      input: [`addr add ${v4}253/24 dev ${master}`, `route add default via ${v4}254 dev ${master}`].join('\n'),
    });
  }
  return { node, lan, master, peer, v4, v6 };
}

export interface Env {
  impl: Impl;
  type: 'macvlan' | 'ipvlan';
  lan: Lan;
  net: string;
  ns: Netns;
  cid: string;
  ifname: string;
  dataDir: string;
}

export async function makeEnv(impl: Impl, type: Env['type'], lan: Lan): Promise<Env> {
  return { impl, type, lan, net: netName(), ns: await createNetns(), cid: containerId(), ifname: 'eth0', dataDir: await ipamDataDir() };
}

export type Family = 'v4' | 'v6' | 'dual' | 'none';

/** A conflist plugin entry for the env: host-local on the LAN's subnets (.10–.50), default routes via the peer. */
export function conf(e: Env, fam: Family, extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  const { v4, v6 } = e.lan;
  const ranges: unknown[] = [];
  const routes: unknown[] = [];
  if (fam === 'v4' || fam === 'dual') {
    ranges.push([{ subnet: `${v4}0/24`, rangeStart: `${v4}10`, rangeEnd: `${v4}50`, gateway: `${v4}254` }]);
    routes.push({ dst: '0.0.0.0/0' }, { dst: '198.18.0.0/15' });
  }
  if (fam === 'v6' || fam === 'dual') {
    ranges.push([{ subnet: `${v6}/64`, rangeStart: `${v6}10`, rangeEnd: `${v6}50`, gateway: `${v6}fe` }]);
    routes.push({ dst: 'fd00:ffff::/32' });
  }
  return {
    cniVersion,
    name: e.net,
    type: e.type,
    master: e.lan.master,
    ipam: fam === 'none' ? {} : { type: 'host-local', dataDir: e.dataDir, ranges, routes },
    ...extra,
  };
}

export async function call(
  e: Env,
  command: string,
  stdin: object,
  over: Partial<{ netns: string; cid: string; ifname: string; args: string; path: string }> = {},
): Promise<PluginResult> {
  return callInNode(
    e.impl,
    e.type,
    e.lan.node,
    {
      command,
      containerId: over.cid ?? e.cid,
      netns: over.netns ?? e.ns.path,
      ifname: over.ifname ?? e.ifname,
      ...(over.args ? { args: over.args } : {}),
      ...(over.path ? { path: over.path } : {}),
    },
    stdin,
  );
}

/** Replace what is random or per-run with placeholders. */
export function normalise(e: Env, v: unknown): unknown {
  let s = JSON.stringify(v);
  s = s.split(e.ns.path).join('NETNS').split(e.lan.master).join('MASTER').split(e.net).join('NET').split(e.cid).join('CID');
  s = s.split(e.lan.v4).join('V4.').split(e.lan.v6).join('V6::');
  return JSON.parse(s);
}

/** The container's side of an ADD, comparable across implementations (the MAC as whether it is the result's). */
export async function snapshot(e: Env, resultMac?: string): Promise<Record<string, unknown>> {
  const { names, link: ci, addrs, routes } = await containerView(e.ns.name, e.ifname);
  const sys = async (p: string) => sysctl(p, e.ns.name).catch(() => 'absent');
  const ifn = e.ifname;
  return {
    links: names,
    container: ci && {
      ...pick(ci, ['ifname', 'mtu', 'operstate', 'link_type']),
      up: ci.flags.includes('UP'),
      kind: ci.linkinfo?.info_kind,
      mode: ci.linkinfo?.info_data?.mode,
      macIsResults: resultMac === undefined ? undefined : ci.address === resultMac,
      addrs,
      arp_notify: await sys(`net/ipv4/conf/${ifn}/arp_notify`),
      ndisc_notify: await sys(`net/ipv6/conf/${ifn}/ndisc_notify`),
    },
    routes: routes.map((r) => pick(r, ['dst', 'gateway', 'dev', 'metric', 'protocol', 'scope'])),
  };
}

/** The leases host-local holds in the env's dataDir. */
export const leases = (e: Env): Promise<string[]> => hostLocalLeases(e.dataDir, e.net);

/** `busybox ping` from a namespace; true when answered. */
export async function pings(from: Netns, to: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', from.name, 'busybox', 'ping', '-c', '1', '-W', '2', to], { timeoutMs: 5_000 });
  return r.code === 0;
}
