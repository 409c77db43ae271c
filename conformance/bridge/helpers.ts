// bridge conformance helpers: run ours or the reference on its own netns/bridge/subnet, snapshot
// the kernel and firewall state an ADD produces, and normalise away what is random or per-impl.
import {
  RUN_PREFIX,
  bridgeName,
  containerId,
  createNetns,
  ipJson,
  iptablesSave,
  mixedCniPath,
  netName,
  nftRuleset,
  nsExec,
  onCleanup,
  refCniPath,
  run,
  runPlugin,
  binFor,
  ipamDataDir,
  sysctl,
  type Impl,
  type Netns,
  type PluginResult,
} from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;

/** Each implementation gets its own second octet / IPv6 group so both can run side by side. */
export const SUBNET_ID: Record<Impl, number> = { ref: 214, ours: 215 };

let ourPath: string | undefined;
export async function cniPath(impl: Impl): Promise<string> {
  if (impl === 'ref') return refCniPath();
  // Our bridge with the reference host-local: the IPAM contract is the same, and this keeps the
  // bridge suite independent of the host-local work.
  ourPath ??= await mixedCniPath({ bridge: 'ours', 'host-local': 'ref' });
  return ourPath;
}

export interface Env {
  impl: Impl;
  net: string;
  bridge: string;
  ns: Netns;
  cid: string;
  ifname: string;
  dataDir: string;
  /** 10.<id>.<case>. and fd00:<id>:<case>:: */
  v4: string;
  v6: string;
}

export async function makeEnv(impl: Impl, caseNo: number, ns?: Netns): Promise<Env> {
  const id = SUBNET_ID[impl];
  return {
    impl,
    net: netName(),
    bridge: bridgeName(),
    ns: ns ?? (await createNetns()),
    cid: containerId(),
    ifname: 'eth0',
    dataDir: await ipamDataDir(),
    v4: `10.${id}.${caseNo}.`,
    v6: `fd00:${id}:${caseNo}::`,
  };
}

export type Family = 'v4' | 'v6' | 'dual' | 'none';

export function conf(e: Env, fam: Family, extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  const ranges: unknown[] = [];
  if (fam === 'v4' || fam === 'dual') ranges.push([{ subnet: `${e.v4}0/24` }]);
  if (fam === 'v6' || fam === 'dual') ranges.push([{ subnet: `${e.v6}/64` }]);
  return {
    cniVersion,
    name: e.net,
    type: 'bridge',
    bridge: e.bridge,
    ...(fam === 'none' ? {} : { ipam: { type: 'host-local', dataDir: e.dataDir, ranges } }),
    ...extra,
  };
}

export async function call(
  e: Env,
  command: string,
  stdin: object,
  over: Partial<{ netns: string; cid: string; ifname: string; args: string }> = {},
): Promise<PluginResult> {
  return runPlugin(
    binFor(e.impl, 'bridge'),
    {
      command,
      containerId: over.cid ?? e.cid,
      netns: over.netns ?? e.ns.path,
      ifname: over.ifname ?? e.ifname,
      ...(over.args ? { args: over.args } : {}),
      path: await cniPath(e.impl),
    },
    stdin,
  );
}

/** Replace everything random or implementation-specific with placeholders. */
export function normalise(e: Env, v: unknown): unknown {
  const id = SUBNET_ID[e.impl];
  let s = JSON.stringify(v);
  s = s.split(e.ns.path).join('NETNS').split(e.bridge).join('BRIDGE').split(e.net).join('NET').split(e.cid).join('CID');
  s = s.replace(/veth[0-9a-f]{8}/g, 'VETH').replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC');
  s = s.replace(new RegExp(`10\\.${id}\\.`, 'g'), '10.X.').replace(new RegExp(`fd00:${id}:`, 'g'), 'fd00:X:');
  s = s.replace(/CNI-[0-9a-f]{24}/g, 'CNI-CHAIN').replace(/[0-9a-f]{16}-[0-9a-f]{16}/g, 'NFTHASH');
  return JSON.parse(s);
}

const pick = <T extends Record<string, unknown>>(o: T, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/** What ADD leaves in the kernel, in comparable form. */
export async function snapshot(e: Env): Promise<Record<string, unknown>> {
  const cont = await ipJson<any[]>(['-d', 'addr', 'show'], e.ns.name);
  const ci = cont.find((l) => l.ifname === e.ifname);
  const host = await ipJson<any[]>(['-d', 'addr', 'show'], undefined);
  const br = host.find((l) => l.ifname === e.bridge);
  const ports = host.filter((l) => l.master === e.bridge);
  const croutes = [
    ...(await ipJson<any[]>(['-4', 'route', 'show'], e.ns.name)),
    ...(await ipJson<any[]>(['-6', 'route', 'show'], e.ns.name)).filter((r) => !String(r.dst).startsWith('fe80')),
  ].map((r) => pick(r, ['dst', 'gateway', 'dev', 'metric', 'protocol', 'scope']));
  const addrOf = (l: any) =>
    (l?.addr_info ?? []).filter((a: any) => a.scope !== 'link').map((a: any) => pick(a, ['family', 'local', 'prefixlen', 'broadcast', 'scope']));
  const sys = async (p: string, ns?: string) => sysctl(p, ns).catch(() => 'absent');
  const ifn = e.ifname;
  const port = ports[0];
  return {
    container: ci && {
      ...pick(ci, ['ifname', 'mtu', 'operstate', 'link_type']),
      up: ci.flags.includes('UP'),
      kind: ci.linkinfo?.info_kind,
      addrs: addrOf(ci),
      sysctl: {
        accept_dad: await sys(`net/ipv6/conf/${ifn}/accept_dad`, e.ns.name),
        arp_notify: await sys(`net/ipv4/conf/${ifn}/arp_notify`, e.ns.name),
        disable_ipv6: await sys(`net/ipv6/conf/${ifn}/disable_ipv6`, e.ns.name),
      },
    },
    routes: croutes,
    bridge: br && {
      mtu: br.mtu,
      up: br.flags.includes('UP'),
      promisc: br.flags.includes('PROMISC'),
      vlan_filtering: br.linkinfo?.info_data?.vlan_filtering,
      stp_state: br.linkinfo?.info_data?.stp_state,
      addrs: addrOf(br),
      accept_ra: await sys(`net/ipv6/conf/${e.bridge}/accept_ra`),
    },
    ports: ports.length,
    port: port && {
      mtu: port.mtu,
      up: port.flags.includes('UP'),
      hairpin: port.linkinfo?.info_slave_data?.hairpin,
      state: port.linkinfo?.info_slave_data?.state,
      accept_ra: await sys(`net/ipv6/conf/${port.ifname}/accept_ra`),
    },
    iptables: await masqRules(e),
  };
}

/** iptables nat rules and chains of this network (found by the comment naming it). */
export async function masqRules(e: Env): Promise<string[]> {
  const out: string[] = [];
  for (const v6 of [false, true]) {
    const text = await iptablesSave('nat', v6);
    const chains = new Set<string>();
    for (const l of text.split('\n')) if (l.includes(`"${e.net}\\"`) || l.includes(`\\"${e.net}\\"`)) chains.add(/ -j (CNI-\S+)/.exec(l)?.[1] ?? '');
    for (const l of text.split('\n')) {
      if (l.includes(e.net) || [...chains].some((c) => c && (l.startsWith(`-A ${c} `) || l.startsWith(`:${c} `))))
        out.push(`${v6 ? 'v6' : 'v4'} ${l.replace(/\[\d+:\d+\]/, '')}`);
    }
  }
  return out;
}

/** nft masquerade and macspoofchk rules that mention this env (shared tables, so by comment). */
export async function nftRules(e: Env): Promise<string[]> {
  const rs = await nftRuleset();
  return rs.nftables
    .filter((o) => o.rule && (String(o.rule.comment ?? '').includes(e.cid) || String(o.rule.chain ?? '').includes(e.cid)))
    .map((o) => `${o.rule.family} ${o.rule.table} ${o.rule.chain} ${o.rule.comment ?? ''}`);
}

// nft tables shared with everyone else (inet cni_plugins_masquerade, bridge nat) are never
// deleted; only rules and chains naming this run's prefix are.
onCleanup(async () => {
  const rs = await nftRuleset().catch(() => ({ nftables: [] as Array<Record<string, any>> }));
  const lines: string[] = [];
  const chains: string[] = [];
  for (const o of rs.nftables) {
    const r = o.rule;
    if (r && String(r.comment ?? '').includes(RUN_PREFIX) && !String(r.chain).includes(RUN_PREFIX)) {
      lines.push(`delete rule ${r.family} ${r.table} ${r.chain} handle ${r.handle}`);
    }
    const c = o.chain;
    if (c && String(c.name).includes(RUN_PREFIX)) chains.push(`delete chain ${c.family} ${c.table} ${c.name}`);
  }
  // Jumping chains first (cni-br-iface-X before cni-br-iface-X-mac).
  chains.sort((a, b) => a.length - b.length);
  for (const l of [...lines, ...chains]) await run('nft', [l]);
});

export { nsExec, RUN_PREFIX };
