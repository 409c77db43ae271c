// For the main plugins that make their link on a master (macvlan, ipvlan, vlan): a namespace
// standing in for the node with a veth master in it (never a real interface), a CNI_PATH with our
// plugin beside the reference's host-local, host-local's leases, and the container's side of an
// ADD read for comparison.
import { readdir } from 'node:fs/promises';
import { createNetns, type Netns } from './netns.ts';
import { ifName, nextId } from './names.ts';
import { must } from './exec.ts';
import { ipJson } from './kernel.ts';
import { binFor, mixedCniPath, refCniPath, runPlugin, type Impl, type PluginInvocation, type PluginResult } from './plugin.ts';

export interface NodeMaster {
  id: string;
  node: Netns;
  /** The namespace holding the peer: a LAN stand-in, or the node itself. */
  peerNs: Netns;
  /** The master `<prefix>mN`, up, in the node. */
  master: string;
  /** Its veth peer `<prefix>pN` (not yet up). */
  peer: string;
}

/** A node namespace whose master is one end of a veth pair; the other end goes to a new LAN namespace with `lan`, else stays in the node. */
export async function makeNodeMaster(opts: { lan?: boolean; mtu?: number } = {}): Promise<NodeMaster> {
  const id = nextId();
  const [node, lan] = await Promise.all([createNetns(`node${id}`), opts.lan ? createNetns(`lan${id}`) : undefined]);
  const master = ifName(`m${id}`);
  const peer = ifName(`p${id}`);
  const mtu = opts.mtu ? ['mtu', String(opts.mtu)] : [];
  await must('ip', ['-n', node.name, 'link', 'add', master, ...mtu, 'type', 'veth', 'peer', 'name', peer, ...mtu, ...(lan ? ['netns', lan.name] : [])]);
  await must('ip', ['-n', node.name, 'link', 'set', master, 'up']);
  return { id, node, peerNs: lan ?? node, master, peer };
}

const paths = new Map<string, string>();
/**
 * The reference's directory, or one with our `type` and `ipam`'s host-local (default the
 * reference's: the IPAM contract is the same, and the suite stays about the plugin).
 */
export async function cniPathFor(impl: Impl, type: string, ipam: Impl = 'ref'): Promise<string> {
  if (impl === 'ref') return refCniPath();
  const key = `${type}-${ipam}`;
  if (!paths.has(key)) paths.set(key, await mixedCniPath({ [type]: 'ours', 'host-local': ipam }));
  return paths.get(key)!;
}

/** One call of `impl`'s `type` run inside the node namespace (its master is there, never on the real host); CNI_PATH as cniPathFor has it unless given. */
export async function callInNode(impl: Impl, type: string, node: Netns, inv: PluginInvocation, stdin: object, ipam: Impl = 'ref'): Promise<PluginResult> {
  return runPlugin(binFor(impl, type), { ...inv, path: inv.path ?? (await cniPathFor(impl, type, ipam)), inNetns: node.name }, stdin);
}

/** The leases host-local holds for a network (files named by address; its lock and round-robin cursors are not leases). */
export async function hostLocalLeases(dataDir: string, net: string): Promise<string[]> {
  return (await readdir(`${dataDir}/${net}`).catch(() => [] as string[])).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')).sort();
}

export const pick = (o: Record<string, unknown> | undefined, keys: string[]) =>
  o ? Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) : undefined;

/** A container namespace as `ip -d addr show` and the v4 and v6 routes have it (no link-local routes), for snapshots. */
export async function containerView(ns: string, ifname: string, o: { allTables?: boolean } = {}) {
  const links = await ipJson<any[]>(['-d', 'addr', 'show'], ns);
  const link = links.find((l) => l.ifname === ifname);
  const table = o.allTables ? ['table', 'all'] : [];
  const routes = [
    ...(await ipJson<any[]>(['-4', 'route', 'show', ...table], ns)),
    ...(await ipJson<any[]>(['-6', 'route', 'show', ...table], ns)).filter((r) => !String(r.dst).startsWith('fe80') && r.type !== 'multicast'),
  ];
  return {
    names: links.map((l) => l.ifname as string).sort(),
    link,
    /** Its addresses but the link-local ones. */
    addrs: ((link?.addr_info ?? []) as any[]).filter((a) => a.scope !== 'link').map((a) => pick(a, ['family', 'local', 'prefixlen', 'broadcast', 'scope'])),
    routes,
  };
}
