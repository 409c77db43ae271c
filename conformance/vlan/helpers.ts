// vlan conformance helpers: a namespace standing in for the node with a veth pair standing in for
// its uplink (the master), containers, ours or the reference run inside the node, and the kernel
// state an ADD leaves, normalised for random names. This kernel may lack 802.1q: `NO_VLAN` says
// why (a throwaway `unshare -n`, once per file), and the tests that make VLANs skip with it.
import { containerId, createNetns, ipamDataDir, ipJson, must, netName, sysctl, type Impl, type Netns, type PluginResult } from '../lib/index.ts';
import { callInNode, containerView, hostLocalLeases, makeNodeMaster, pick } from '../lib/master.ts';

export { linkTypeMissing } from '../lib/link-types.ts';

/** Each implementation its own second octet / IPv6 group (this suite's are 10.135–10.137). */
export const SUBNET_ID: Record<Impl, number> = { ref: 135, ours: 136 };

export interface Node {
  ns: Netns;
  /** The uplink standing in for eth0 of a real node: one end of a veth pair, up. */
  master: string;
  /** Its peer, also in the node (frames sent on one arrive on the other). */
  peer: string;
}

/** A node namespace with a veth pair `<prefix>mN`/`<prefix>pN`, both up (MTU 1500). */
export async function makeNode(): Promise<Node> {
  const { node: ns, master, peer } = await makeNodeMaster();
  await must('ip', ['-n', ns.name, 'link', 'set', peer, 'up']);
  return { ns, master, peer };
}

export interface Ctr {
  ns: Netns;
  cid: string;
  ifname: string;
}
export const makeCtr = async (): Promise<Ctr> => ({ ns: await createNetns(), cid: containerId(), ifname: 'eth0' });

export interface ConfOptions {
  net: string;
  master: string;
  dataDir: string;
  /** The /24 and /64: `10.<id>.<case>.0/24`, `fd00:<id>:<case>::/64` (v6 only when asked). */
  id: number;
  caseNo: number;
  v6?: boolean;
  cniVersion?: string;
  extra?: Record<string, unknown>;
  ipam?: Record<string, unknown>;
}

export function vlanConf(o: ConfOptions): Record<string, unknown> {
  const ranges: unknown[] = [[{ subnet: `10.${o.id}.${o.caseNo}.0/24` }]];
  if (o.v6) ranges.push([{ subnet: `fd00:${o.id}:${o.caseNo}::/64` }]);
  return {
    cniVersion: o.cniVersion ?? '1.0.0',
    name: o.net,
    type: 'vlan',
    master: o.master,
    vlanId: 100,
    ipam: { type: 'host-local', dataDir: o.dataDir, ranges, ...o.ipam },
    ...o.extra,
  };
}

export const newNet = async () => ({ net: netName(), dataDir: await ipamDataDir() });

/** One call of `impl`'s vlan, run inside the node (its master is there, never on the real host). */
export async function call(impl: Impl, node: Node, c: Ctr, command: string, stdin: object, o: { ipam?: Impl; path?: string } = {}): Promise<PluginResult> {
  return callInNode(
    impl,
    'vlan',
    node.ns,
    { command, containerId: c.cid, netns: c.ns.path, ifname: c.ifname, ...(o.path ? { path: o.path } : {}) },
    stdin,
    o.ipam,
  );
}

/** What ADD leaves in the container and the node, in comparable form. */
export async function snapshot(node: Node, c: Ctr): Promise<Record<string, unknown>> {
  const { names, link: ci, addrs, routes } = await containerView(c.ns.name, c.ifname, { allTables: true });
  const nodeLinks = await ipJson<any[]>(['-d', 'link', 'show'], node.ns.name);
  const master = nodeLinks.find((l) => l.ifname === node.master);
  const sys = async (p: string) => sysctl(p, c.ns.name).catch(() => 'absent');
  return {
    links: names,
    container: ci && {
      ifname: ci.ifname,
      mtu: ci.mtu,
      up: ci.flags.includes('UP'),
      kind: ci.linkinfo?.info_kind,
      vlan: pick(ci.linkinfo?.info_data, ['protocol', 'id']),
      // An 802.1Q link takes its master's MAC.
      macOfMaster: ci.address === master?.address,
      addrs,
      sysctl: {
        arp_notify: await sys(`net/ipv4/conf/${c.ifname}/arp_notify`),
        disable_ipv6: await sys(`net/ipv6/conf/${c.ifname}/disable_ipv6`),
      },
    },
    routes: routes.map((r) => pick(r, ['type', 'dst', 'gateway', 'dev', 'metric', 'protocol', 'scope', 'table'])),
    node: nodeLinks.map((l) => `${l.ifname} ${l.mtu} ${l.flags.includes('UP') ? 'up' : 'down'}`).sort(),
  };
}

/** Replace what is random or per-implementation with placeholders; Go's 1.1.1 prints an empty `dns: {}`. */
export function normalise(impl: Impl, v: unknown, names: Record<string, string>): unknown {
  let s = JSON.stringify(v);
  for (const [k, name] of Object.entries(names)) s = s.split(name).join(k);
  s = s.replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC');
  s = s.replace(new RegExp(`10\\.${SUBNET_ID[impl]}\\.`, 'g'), '10.X.').replace(new RegExp(`fd00:${SUBNET_ID[impl]}:`, 'g'), 'fd00:X:');
  const o = JSON.parse(s);
  if (o && typeof o === 'object' && o.dns && Object.keys(o.dns).length === 0) delete o.dns;
  return o;
}

/** Lease files of a host-local network (its lock and round-robin cursor are not leases). */
export const leases = hostLocalLeases;

/** Link names in a namespace. */
export const linkNames = async (ns: string): Promise<string[]> => (await ipJson<Array<{ ifname: string }>>(['link', 'show'], ns)).map((l) => l.ifname).sort();
