// host-device conformance helpers. Nothing here touches a real interface: a "node" namespace stands
// in for the host and holds the device (one end of a veth whose other end is in a "peer" namespace,
// the LAN stand-in, with addresses to talk to), and the plugin runs inside the node namespace
// (runPlugin inNetns), so the device it moves and returns lives there.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { expect } from 'vitest';
import {
  binFor,
  containerId,
  createNetns,
  ifName,
  ipJson,
  makeTempDir,
  mixedCniPath,
  must,
  netName,
  refCniPath,
  run,
  runPlugin,
  type Impl,
  type Netns,
  type PluginResult,
} from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;
export const DEV_MAC = '02:00:00:13:00:01';

/** Ours with the reference host-local: the IPAM contract is the same, and the suite does not depend on our host-local build. */
export async function cniPath(impl: Impl): Promise<string> {
  if (impl === 'ref') return refCniPath();
  return mixedCniPath({ 'host-device': 'ours', 'host-local': 'ref' });
}

export interface Env {
  impl: Impl;
  node: Netns;
  peer: Netns;
  ctr: Netns;
  /** The device's name on the node. */
  dev: string;
  cid: string;
  net: string;
  dataDir: string;
  /** 10.<a>.<b>. and fd00:<a>:<b>:: with .1 / ::1 on the peer. */
  v4: string;
  v6: string;
  /** CNI_PATH for this env (removed with the test's other temporary files). */
  path: string;
}

/** A node with `dev` (UP unless `up` is false, MAC DEV_MAC), its peer on the LAN stand-in with .1 addresses, an empty container. */
export async function makeEnv(impl: Impl, a: number, b: number, o: { up?: boolean } = {}): Promise<Env> {
  const [node, peer, ctr] = await Promise.all([createNetns(), createNetns(), createNetns()]);
  const dev = ifName(`hd${b}`);
  const v4 = `10.${a}.${b}.`;
  const v6 = `fd00:${a}:${b}::`;
  await must('ip', ['-n', node.name, 'link', 'add', dev, 'address', DEV_MAC, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', peer.name]);
  await must('ip', ['-n', peer.name, '-batch', '-'], {
    input: `addr add ${v4}1/24 dev lan0\naddr add ${v6}1/64 dev lan0 nodad\nlink set lan0 up\n`,
  });
  if (o.up ?? true) await must('ip', ['-n', node.name, 'link', 'set', dev, 'up']);
  return { impl, node, peer, ctr, dev, cid: containerId(), net: netName(), dataDir: await makeTempDir('hd-ipam'), v4, v6, path: await cniPath(impl) };
}

export function conf(e: Env, extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  return { cniVersion, name: e.net, type: 'host-device', device: e.dev, ...extra };
}

/** host-local IPAM on the env's subnets (v6 only when asked). */
export function ipam(e: Env, v6 = false): Record<string, unknown> {
  const ranges: unknown[] = [[{ subnet: `${e.v4}0/24`, rangeStart: `${e.v4}10`, gateway: `${e.v4}1` }]];
  if (v6) ranges.push([{ subnet: `${e.v6}/64`, rangeStart: `${e.v6}10`, gateway: `${e.v6}1` }]);
  return { ipam: { type: 'host-local', dataDir: e.dataDir, ranges, routes: [{ dst: '192.0.2.0/24' }] } };
}

export interface CallOpts {
  netns?: string;
  ifname?: string;
  bin?: string;
  setnsOnly?: boolean;
}

export function call(e: Env, command: string, c: unknown, o: CallOpts = {}): Promise<PluginResult> {
  return runPlugin(
    o.bin ?? binFor(e.impl, 'host-device'),
    {
      command,
      containerId: e.cid,
      netns: o.netns ?? e.ctr.path,
      ifname: o.ifname ?? 'eth0',
      path: e.path,
      inNetns: e.node.name,
      ...(o.setnsOnly ? { setnsOnly: true } : {}),
    },
    c as object,
  );
}

export async function ok(e: Env, command: string, c: unknown, o: CallOpts = {}): Promise<any> {
  const r = await call(e, command, c, o);
  expect(r.code, `${e.impl} ${command}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json;
}

interface LinkJson {
  ifname: string;
  flags: string[];
  address?: string;
  mtu?: number;
  ifalias?: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

/** A link as compared: name, UP, MAC, MTU, alias, global addresses. */
const linkView = (l: LinkJson) => ({
  name: l.ifname,
  up: l.flags.includes('UP'),
  mac: l.address,
  mtu: l.mtu,
  alias: l.ifalias ?? '',
  addrs: (l.addr_info ?? [])
    .filter((a) => a.scope !== 'link')
    .map((a) => `${a.local}/${a.prefixlen}`)
    .sort(),
});

export async function linksOf(ns: Netns): Promise<ReturnType<typeof linkView>[]> {
  const ls = await ipJson<LinkJson[]>(['-d', '-n', ns.name, 'addr', 'show']);
  return ls.filter((l) => l.ifname !== 'lo').map(linkView);
}

/** Routes of a namespace (main table), without kernel-chosen details. */
export async function routesOf(ns: Netns): Promise<string[]> {
  const v4 = await ipJson<Array<{ dst: string; gateway?: string; dev: string }>>(['-n', ns.name, '-4', 'route', 'show']);
  const v6 = await ipJson<Array<{ dst: string; gateway?: string; dev: string }>>(['-n', ns.name, '-6', 'route', 'show']);
  return [...v4, ...v6]
    .filter((r) => !r.dst.startsWith('fe80') && r.dst !== 'multicast')
    .map((r) => `${r.dst} via ${r.gateway ?? '-'} dev ${r.dev}`)
    .sort();
}

/** The node's links and the container's links and routes, with the env's own names replaced. */
export async function snapshot(e: Env): Promise<unknown> {
  const norm = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(e.dev, 'DEV').replaceAll(e.v4, 'V4.').replaceAll(e.v6, 'V6::'));
  return norm({ node: await linksOf(e.node), ctr: await linksOf(e.ctr), routes: await routesOf(e.ctr) });
}

/** A result with the env's names replaced (MAC kept: the device keeps its own). */
export function normResult(e: Env, r: unknown): unknown {
  return JSON.parse(JSON.stringify(r).replaceAll(e.ctr.path, 'NETNS').replaceAll(e.v4, 'V4.').replaceAll(e.v6, 'V6::'));
}

/** host-local's lease files for the env's network. */
export function leases(e: Env): string[] {
  try {
    return readdirSync(`${e.dataDir}/${e.net}`).filter((f) => /^[0-9a-f.:]+$/.test(f));
  } catch {
    return [];
  }
}

/** The env's temporary namespace, if a host-device call left it behind (named cni-hd-<sha512(containerID/ifname)>). */
export const tempNamespaces = (e: Env, ifname = 'eth0'): string[] => {
  const name = `cni-hd-${createHash('sha512').update(`${e.cid}/${ifname}`).digest('hex')}`.slice(0, 23);
  return readdirSync('/var/run/netns').filter((n) => n === name);
};

/** TCP from the container to the peer: a one-shot socat listener on the LAN stand-in answers "pong". */
export async function tcpToPeer(e: Env, ip: string, port: number): Promise<string> {
  const { spawn } = await import('node:child_process');
  const l = spawn('nsenter', [`--net=${e.peer.path}`, '--', 'socat', `TCP6-LISTEN:${port},ipv6only=0,reuseaddr`, 'SYSTEM:echo pong'], { stdio: 'ignore' });
  try {
    const target = ip.includes(':') ? `TCP6:[${ip}]:${port}` : `TCP4:${ip}:${port}`;
    for (let i = 0; i < 30; i++) {
      const r = await run('nsenter', [`--net=${e.ctr.path}`, '--', 'socat', '-T2', '-', `${target},connect-timeout=1`], { input: '' });
      if (r.stdout.includes('pong')) return 'pong';
      await new Promise((res) => setTimeout(res, 100));
    }
    return '';
  } finally {
    l.kill('SIGKILL');
  }
}
