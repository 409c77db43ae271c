// ptp conformance helpers: each implementation runs inside its own namespace standing in for the
// node (runPlugin's inNetns), so its host veths, host routes, forwarding sysctls and masquerade rules
// live there and go with it; containers are namespaces of their own. Snapshots normalise away what is
// random (veth names, MACs) or per implementation (network name, subnet).
import {
  binFor,
  containerId,
  createNetns,
  ipamDataDir,
  ipJson,
  mixedCniPath,
  netName,
  nextId,
  nsExec,
  refCniPath,
  runPlugin,
  type Impl,
  type Netns,
  type PluginResult,
} from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;

/** Second octet / IPv6 group per implementation (ptp's range: 10.120–10.124, fd00:120–fd00:124). */
export const SUBNET_ID: Record<Impl | 'extra', number> = { ref: 120, ours: 121, extra: 122 };

/** CNI_PATH: ours with the reference host-local (the suite judges ptp alone), or ours with our own host-local (linked in-process). */
const paths = new Map<string, string>();
export async function cniPath(impl: Impl, ourIpam = false): Promise<string> {
  if (impl === 'ref') return refCniPath();
  const key = ourIpam ? 'own' : 'ref';
  let p = paths.get(key);
  if (!p) {
    p = await mixedCniPath({ ptp: 'ours', 'host-local': ourIpam ? 'ours' : 'ref' });
    paths.set(key, p);
  }
  return p;
}

export interface Env {
  impl: Impl;
  node: Netns;
  ns: Netns;
  net: string;
  cid: string;
  ifname: string;
  dataDir: string;
  /** 10.<id>.<case>. and fd00:<id>:<case>:: */
  v4: string;
  v6: string;
  ourIpam: boolean;
}

/** A node namespace (lo up) and a container namespace. */
export async function makeNode(): Promise<Netns> {
  const node = await createNetns(`node${nextId()}`);
  await nsExec(node.name, 'ip', ['link', 'set', 'lo', 'up']);
  return node;
}

export async function makeEnv(impl: Impl, caseNo: number, o: { node?: Netns; id?: number; ourIpam?: boolean } = {}): Promise<Env> {
  const id = o.id ?? SUBNET_ID[impl];
  return {
    impl,
    node: o.node ?? (await makeNode()),
    ns: await createNetns(),
    net: netName(),
    cid: containerId(),
    ifname: 'eth0',
    dataDir: await ipamDataDir(),
    v4: `10.${id}.${caseNo}.`,
    v6: `fd00:${id}:${caseNo}::`,
    ourIpam: o.ourIpam ?? false,
  };
}

export type Family = 'v4' | 'v6' | 'dual';

/** A ptp config; routes via the gateway are given explicitly unless `routes` says otherwise. */
export function conf(e: Env, fam: Family, extra: Record<string, unknown> = {}, cniVersion = '1.0.0', ipamExtra: Record<string, unknown> = {}) {
  const ranges: unknown[] = [];
  const routes: unknown[] = [];
  if (fam !== 'v6') {
    ranges.push([{ subnet: `${e.v4}0/24` }]);
    routes.push({ dst: '0.0.0.0/0', gw: `${e.v4}1` });
  }
  if (fam !== 'v4') {
    ranges.push([{ subnet: `${e.v6}/64` }]);
    routes.push({ dst: '::/0', gw: `${e.v6}1` });
  }
  return {
    cniVersion,
    name: e.net,
    type: 'ptp',
    ...extra,
    ipam: { type: 'host-local', dataDir: e.dataDir, ranges, routes, ...ipamExtra },
  };
}

export async function call(
  e: Env,
  command: string,
  stdin: object,
  over: Partial<{ netns: string; cid: string; ifname: string; args: string }> = {},
): Promise<PluginResult> {
  return runPlugin(
    binFor(e.impl, 'ptp'),
    {
      command,
      containerId: over.cid ?? e.cid,
      netns: over.netns ?? e.ns.path,
      ifname: over.ifname ?? e.ifname,
      ...(over.args ? { args: over.args } : {}),
      path: await cniPath(e.impl, e.ourIpam),
      inNetns: e.node.name,
    },
    stdin,
  );
}

/** Replace everything random or implementation-specific with placeholders. */
export function normalise(e: Env, v: unknown): unknown {
  const id = e.v4.split('.')[1];
  let s = JSON.stringify(v);
  s = s.split(e.ns.path).join('NETNS').split(e.net).join('NET').split(e.cid).join('CID');
  s = s.replace(/veth[0-9a-f]{8}/g, 'VETH').replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC');
  s = s.replace(new RegExp(`10\\.${id}\\.`, 'g'), '10.X.').replace(new RegExp(`fd00:${id}:`, 'g'), 'fd00:X:');
  s = s.replace(/CNI-[0-9a-f]{24}/g, 'CNI-CHAIN').replace(/[0-9a-f]{16}-[0-9a-f]{16}/g, 'NFTHASH');
  return JSON.parse(s);
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const addrsOf = (l: any) =>
  (l?.addr_info ?? []).filter((a: any) => a.scope !== 'link').map((a: any) => pick(a, ['family', 'local', 'prefixlen', 'broadcast', 'scope']));

/** Routes of a namespace's main table (both families, no link-local), in a comparable form. */
async function routesOf(ns: string): Promise<unknown[]> {
  const all = [...(await ipJson<any[]>(['-4', 'route', 'show'], ns)), ...(await ipJson<any[]>(['-6', 'route', 'show'], ns))];
  return all
    .filter((r) => !String(r.dst).startsWith('fe80'))
    .map((r) => pick(r, ['dst', 'gateway', 'dev', 'metric', 'protocol', 'scope', 'prefsrc']))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The node's nat rules (iptables, both families) without counters: the node namespace holds only this test's. */
export async function natRules(node: string): Promise<string[]> {
  const out: string[] = [];
  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    const r = await nsExec(node, cmd, ['-t', 'nat']);
    for (const l of r.stdout.split('\n')) if (l.includes('CNI-')) out.push(`${cmd === 'iptables-save' ? 'v4' : 'v6'} ${l.replace(/ \[\d+:\d+\]$/, '')}`);
  }
  return out;
}

/** The node's nft masquerade rules (table inet cni_plugins_masquerade), by comment. */
export async function nftMasq(node: string): Promise<string[]> {
  const r = await nsExec(node, 'nft', ['-j', 'list', 'ruleset']);
  const objs = (JSON.parse(r.stdout || '{"nftables":[]}') as { nftables: any[] }).nftables;
  return objs.filter((o) => o.rule && o.rule.table === 'cni_plugins_masquerade' && o.rule.chain === 'masq_checks').map((o) => String(o.rule.comment ?? ''));
}

/** Several sysctls of a namespace in one process ('absent' for a missing key). */
async function sysctls(ns: string, keys: string[]): Promise<string[]> {
  const r = await nsExec(ns, 'sysctl', ['-e', ...keys]);
  const got = new Map(
    r.stdout
      .split('\n')
      .filter((l) => l.includes(' = '))
      .map((l) => l.split(' = ') as [string, string]),
  );
  return keys.map((k) => got.get(k.replaceAll('/', '.')) ?? 'absent');
}

/** What ADD leaves in the node and the container. */
export async function snapshot(e: Env): Promise<Record<string, any>> {
  const node = e.node.name;
  const cont = await ipJson<any[]>(['-d', 'addr', 'show'], e.ns.name);
  const ci = cont.find((l) => l.ifname === e.ifname);
  const veths = (await ipJson<any[]>(['-d', 'addr', 'show'], node)).filter((l) => l.linkinfo?.info_kind === 'veth');
  const hv = veths[0];
  const [acceptDad, arpNotify, disableIpv6, loDisableIpv6] = await sysctls(e.ns.name, [
    `net/ipv6/conf/${e.ifname}/accept_dad`,
    `net/ipv4/conf/${e.ifname}/arp_notify`,
    `net/ipv6/conf/${e.ifname}/disable_ipv6`,
    'net/ipv6/conf/lo/disable_ipv6',
  ]);
  const [fwd4, fwd6, acceptRa] = await sysctls(node, [
    'net/ipv4/ip_forward',
    'net/ipv6/conf/all/forwarding',
    `net/ipv6/conf/${hv?.ifname ?? 'none'}/accept_ra`,
  ]);
  return {
    container: ci && {
      ...pick(ci, ['ifname', 'mtu']),
      up: ci.flags.includes('UP'),
      kind: ci.linkinfo?.info_kind,
      addrs: addrsOf(ci),
      sysctl: { accept_dad: acceptDad, arp_notify: arpNotify, disable_ipv6: disableIpv6, lo_disable_ipv6: loDisableIpv6 },
    },
    containerRoutes: await routesOf(e.ns.name),
    hostVeths: veths.length,
    hostVeth: hv && { mtu: hv.mtu, up: hv.flags.includes('UP'), addrs: addrsOf(hv), accept_ra: acceptRa },
    nodeRoutes: await routesOf(node),
    forwarding: { v4: fwd4, v6: fwd6 },
    nat: await natRules(node),
  };
}

/** The lease files of a network (host-local's dataDir). */
export async function leases(e: Env): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  try {
    return (await readdir(`${e.dataDir}/${e.net}`)).filter((f) => /^[0-9a-f.:]+$/.test(f));
  } catch {
    return [];
  }
}
