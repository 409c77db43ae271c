// A stand-in for the host: a network namespace whose FORWARD policy is DROP, in which the plugins
// (bridge, host-local, portmap, firewall) run through `ip netns exec`, with container namespaces
// on bridges inside it and a "peer beyond the bridge" namespace routed through it. The real
// host's filter table is never touched; everything inside goes with the namespace.
import { execa } from 'execa';
import {
  createNetns,
  ifName,
  must,
  nextId,
  nsExec,
  onCleanup,
  refBin,
  runPlugin,
  trackPath,
  type Netns,
  type PluginInvocation,
  type PluginResult,
} from '../lib/index.ts';
import { ourBin } from '../lib/plugin.ts';

export const FIREWALL = { ours: ourBin('firewall'), ref: refBin('firewall') };
export type Impl = keyof typeof FIREWALL;
export const STATE_DIR = '/var/lib/cni/firewall';

export interface Host {
  ns: Netns;
  /** The peer's address (10.201.250.2) and the host's on that link (10.201.250.1). */
  peer?: { ns: Netns; ip: string; hostIp: string };
}

const ip = (ns: string, ...args: string[]) => must('ip', ['-n', ns, ...args]);

/** A host stand-in with forwarding on and FORWARD policy DROP in both families. */
export async function makeHost(opts: { peer?: boolean; policy?: 'DROP' | 'ACCEPT' } = {}): Promise<Host> {
  const ns = await createNetns(`h${nextId()}`);
  await ip(ns.name, 'link', 'set', 'lo', 'up');
  for (const [cmd, ...args] of [
    ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
    ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1'],
    ['iptables', '-w', '-P', 'FORWARD', opts.policy ?? 'DROP'],
    ['ip6tables', '-w', '-P', 'FORWARD', opts.policy ?? 'DROP'],
  ] as string[][]) {
    await must('ip', ['netns', 'exec', ns.name, cmd!, ...args]);
  }
  const host: Host = { ns };
  if (opts.peer) {
    const peer = await createNetns(`p${nextId()}`);
    const [a, b] = [ifName('pa'), ifName('pb')];
    await ip(ns.name, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', peer.name);
    await ip(ns.name, 'addr', 'add', '10.201.250.1/24', 'dev', a);
    await ip(ns.name, 'link', 'set', a, 'up');
    await ip(peer.name, 'addr', 'add', '10.201.250.2/24', 'dev', b);
    await ip(peer.name, 'link', 'set', b, 'up');
    await ip(peer.name, 'link', 'set', 'lo', 'up');
    await ip(peer.name, 'route', 'add', 'default', 'via', '10.201.250.1');
    host.peer = { ns: peer, ip: '10.201.250.2', hostIp: '10.201.250.1' };
  }
  return host;
}

/** Run a plugin inside the host stand-in. */
export function inHost(host: Host, bin: string, inv: PluginInvocation, conf: object | string): Promise<PluginResult> {
  return runPlugin(bin, { path: '/usr/lib/cni', ...inv, inNetns: host.ns.name }, conf);
}

/** The filter table of one family in the stand-in, without comments and counters. */
export async function filterRules(host: Host, v6 = false): Promise<string[]> {
  const r = await nsExec(host.ns.name, v6 ? 'ip6tables-save' : 'iptables-save', ['-t', 'filter']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}
export const ruleLines = (lines: string[]) => lines.filter((l) => l.startsWith('-A '));

/** The state directory of a network, removed at cleanup. */
export function trackState(net: string): string {
  const dir = `${STATE_DIR}/${net}`;
  trackPath(dir);
  return dir;
}

/** A TCP echo server (socat) in a namespace, optionally bound to one address or on a dual-stack socket; stopped at cleanup. */
export async function listen(ns: string, port: number, bind?: string, dual = false): Promise<void> {
  const spec = dual ? `TCP6-LISTEN:${port},fork,reuseaddr,ipv6only=0` : `TCP-LISTEN:${port},fork,reuseaddr${bind ? `,bind=${bind}` : ''}`;
  const p = execa('ip', ['netns', 'exec', ns, 'socat', spec, 'PIPE'], { reject: false, stdio: 'ignore' });
  onCleanup(() => {
    p.kill('SIGKILL');
    return p.catch(() => undefined);
  });
  for (let i = 0; i < 60; i++) {
    if ((await nsExec(ns, 'ss', ['-Hltn', `sport = :${port}`])).stdout.trim()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${ns}:${port} did not start`);
}

/**
 * Whether a TCP connection from `from` to host:port gets its echo back. Expected-open probes retry
 * (a fresh bridge port may still be learning); expected-closed ones try once, briefly.
 */
export async function reaches(from: string, host: string, port: number, expectOpen: boolean): Promise<boolean> {
  for (let i = 0; i < (expectOpen ? 3 : 1); i++) {
    const r = await nsExec(from, 'socat', ['-T', '1', '-', `TCP:${host}:${port},connect-timeout=${expectOpen ? 2 : 1}`], { input: 'ping\n', timeoutMs: 5000 });
    if (r.stdout.includes('ping')) return true;
  }
  return false;
}
