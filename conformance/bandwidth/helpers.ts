// bandwidth conformance helpers. The plugin always runs inside a "node" namespace that stands in
// for the host (`ip netns exec NODE plugin`), so the host veth, its qdiscs and the IFB live there
// and go with that namespace: no test ever shapes a real host link. Each node holds veth pairs
// whose other end is `eth0` in a container namespace.
import { binFor, createNetns, must, nextId, nsExec, runPlugin, type Impl, type Netns, type PluginResult } from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;

export interface Ctr {
  ns: Netns;
  /** host end, in the node */
  veth: string;
  /** container's address (no prefix) and the node end's */
  ip: string;
  hostIp: string;
}

export interface Node {
  impl: Impl;
  ns: Netns;
  ctrs: Ctr[];
}

/** A node namespace with `n` containers; container i has 10.160.<base+i>.2/24, its host veth .1. */
export async function makeNode(impl: Impl, n = 1, base = 1, mtu = 1500): Promise<Node> {
  const ns = await createNetns(`node${nextId()}`);
  await must('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
  const ctrs: Ctr[] = [];
  for (let i = 0; i < n; i++) {
    const c = await createNetns(`ctr${nextId()}`);
    const veth = `veth${i}`;
    const net = `10.160.${base + i}`;
    const script = [
      `link add ${veth} mtu ${mtu} type veth peer name eth0 mtu ${mtu} netns ${c.name}`,
      `addr add ${net}.1/24 dev ${veth}`,
      `link set ${veth} up`,
    ];
    await must('ip', ['-n', ns.name, '-batch', '-'], { input: `${script.join('\n')}\n` });
    await must('ip', ['-n', c.name, '-batch', '-'], { input: `addr add ${net}.2/24 dev eth0\nlink set eth0 up\nlink set lo up\n` });
    ctrs.push({ ns: c, veth, ip: `${net}.2`, hostIp: `${net}.1` });
  }
  return { impl, ns, ctrs };
}

export const prevResult = (c: Ctr, cniVersion = '1.0.0') => ({
  cniVersion,
  interfaces: [
    { name: c.veth, mac: '02:00:00:00:00:01' },
    { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: c.ns.path },
  ],
  ips: [{ address: `${c.ip}/24`, gateway: c.hostIp, interface: 1 }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
});

export function conf(c: Ctr, extra: Record<string, unknown> = {}, cniVersion = '1.0.0', name = 'bw-test'): Record<string, unknown> {
  return { cniVersion, name, type: 'bandwidth', prevResult: prevResult(c, cniVersion), ...extra };
}

export function call(node: Node, c: Ctr, command: string, cf: unknown, cid = 'ctr-bw', impl: Impl = node.impl): Promise<PluginResult> {
  return runPlugin(binFor(impl, 'bandwidth'), { command, containerId: cid, netns: c.ns.path, ifname: 'eth0', inNetns: node.ns.name }, cf as object);
}

const tcJson = async (node: Node, args: string[]): Promise<any[]> => {
  const r = await nsExec(node.ns.path, 'tc', ['-j', ...args]);
  const t = r.stdout.trim();
  return r.code === 0 && t ? JSON.parse(t) : [];
};

export interface Snapshot {
  qdiscs: any[];
  filters: any[];
  ifbs: any[];
}

/**
 * What bandwidth touches in the node: every qdisc (tc -j -r: with limit and raw buffer), the
 * filters on each host veth's ingress, and the IFBs (MAC and our alias left out: the MAC is
 * random, the alias is ours alone). The reference's u32 filter carries a second, unreachable
 * mirred action (Go netlink's RedirIndex plus the explicit action); only the first is compared.
 */
export async function snapshot(node: Node): Promise<Snapshot> {
  const qdiscs = (await tcJson(node, ['-r', 'qdisc', 'show'])).filter((q) => q.kind !== 'noqueue');
  const filters: any[] = [];
  for (const c of node.ctrs) {
    for (const f of await tcJson(node, ['filter', 'show', 'dev', c.veth, 'ingress'])) {
      const acts = f.options?.actions;
      if (acts) f.options.actions = acts.slice(0, 1).map(({ index: _i, ...a }: any) => a);
      filters.push({ dev: c.veth, ...f });
    }
  }
  const links = JSON.parse((await must('ip', ['-n', node.ns.name, '-j', '-d', 'link', 'show', 'type', 'ifb'])).trim() || '[]') as any[];
  const ifbs = links.map((l) => ({ ifname: l.ifname, mtu: l.mtu, txqlen: l.txqlen, flags: l.flags, qdisc: l.qdisc, kind: l.linkinfo?.info_kind }));
  return { qdiscs, filters, ifbs };
}

/** A result with the IFB's random MAC and the container namespace's path replaced. */
export function normResult(j: any): any {
  if (!j?.interfaces) return j;
  const norm = (i: any) => ({ ...i, ...(i.name.startsWith('bwp') && i.mac ? { mac: 'MAC' } : {}), ...(i.sandbox ? { sandbox: 'NS' } : {}) });
  return { ...j, interfaces: j.interfaces.map(norm) };
}

/** Bytes that arrive at `dst:port` in the node from the container sending for `ms` (TCP, node's own sender and receiver). */
export async function measure(node: Node, c: Ctr, port: number, ms: number): Promise<number> {
  const recv = `const n=require('net');let t=0;const s=n.createServer(k=>k.on('data',d=>t+=d.length));s.listen(${port},'${c.hostIp}',()=>process.stdout.write('ready\\n'));setTimeout(()=>{process.stdout.write(String(t)+'\\n');process.exit(0)},${ms + 1500});`;
  const send = `const n=require('net');const b=Buffer.alloc(65536);const k=n.connect(${port},'${c.hostIp}',()=>{const end=Date.now()+${ms};const go=()=>{while(Date.now()<end){if(!k.write(b))return k.once('drain',go)}k.destroy();process.exit(0)};go()});k.on('error',()=>process.exit(3));`;
  const receiver = nsExec(node.ns.path, process.execPath, ['-e', recv], { timeoutMs: ms + 10_000 });
  // the listener needs a moment; the sender retries a refused connection a few times
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const s = await nsExec(c.ns.path, process.execPath, ['-e', send], { timeoutMs: ms + 10_000 });
    if (s.code === 0) break;
  }
  const out = (await receiver).stdout.trim().split('\n');
  return Number(out.at(-1));
}
