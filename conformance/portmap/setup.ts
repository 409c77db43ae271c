// Shared setup for the portmap conformance files: containers on a test bridge made by the
// reference bridge + host-local (so these tests never depend on our bridge), portmap configs,
// random high host ports, and helpers to read this container's iptables state.
import { createHash, randomInt } from 'node:crypto';
import { execa } from 'execa';
import {
  REF_BIN_DIR,
  bridgeName,
  containerId,
  createNetns,
  ipamDataDir,
  iptablesSave,
  netName,
  nsExec,
  onCleanup,
  refBin,
  runPlugin,
  trackLink,
  type Netns,
  type PluginResult,
} from '../lib/index.ts';
import { ourBin } from '../lib/plugin.ts';

export const PORTMAP = { ours: ourBin('portmap'), ref: refBin('portmap') };

/** A /24 (and /64) unlikely to collide with parallel test files. */
export function subnets() {
  const a = randomInt(100, 250);
  const b = randomInt(1, 250);
  return { v4: `10.${a}.${b}.0/24`, gw4: `10.${a}.${b}.1`, v6: `fd00:${a.toString(16)}:${b.toString(16)}::/64` };
}

let nextPort = randomInt(20000, 60000);
/** High random host ports, distinct within this file. */
export const hostPort = () => (nextPort = nextPort >= 64000 ? 20000 : nextPort + 1);

export interface Net {
  name: string;
  bridge: string;
  dataDir: string;
  sub: ReturnType<typeof subnets>;
  dual: boolean;
}

export async function makeNet(dual = false): Promise<Net> {
  const bridge = bridgeName();
  trackLink(bridge);
  return { name: netName(), bridge, dataDir: await ipamDataDir(), sub: subnets(), dual };
}

export interface Container {
  ns: Netns;
  cid: string;
  prevResult: any;
  ip4: string;
}

/** A container attached with the reference bridge (hairpin on, no ipMasq). */
export async function attach(net: Net, cid = containerId()): Promise<Container> {
  const ns = await createNetns();
  const ranges = [[{ subnet: net.sub.v4 }], ...(net.dual ? [[{ subnet: net.sub.v6 }]] : [])];
  const conf = {
    cniVersion: '1.0.0',
    name: net.name,
    type: 'bridge',
    bridge: net.bridge,
    isGateway: true,
    hairpinMode: true,
    ipMasq: false,
    ipam: { type: 'host-local', dataDir: net.dataDir, ranges },
  };
  const r = await runPlugin(refBin('bridge'), { command: 'ADD', containerId: cid, netns: ns.path, ifname: 'eth0', path: REF_BIN_DIR }, conf);
  if (r.code !== 0) throw new Error(`bridge ADD failed: ${r.stdout}${r.stderr}`);
  const ip4 = (r.json.ips as Array<{ address: string }>).find((i) => !i.address.includes(':'))!.address.split('/')[0]!;
  return { ns, cid, prevResult: r.json, ip4 };
}

export interface Mapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP?: string;
}

export function pmConf(net: Net, c: Container | undefined, mappings: Mapping[] | undefined, extra: Record<string, unknown> = {}) {
  return {
    cniVersion: '1.0.0',
    name: net.name,
    type: 'portmap',
    ...(mappings ? { runtimeConfig: { portMappings: mappings } } : {}),
    ...(c ? { prevResult: c.prevResult } : {}),
    ...extra,
  };
}

export function portmap(impl: 'ours' | 'ref', command: string, c: Container, conf: object, netns?: string): Promise<PluginResult> {
  return runPlugin(PORTMAP[impl], { command, containerId: c.cid, netns: netns ?? c.ns.path, ifname: 'eth0', path: REF_BIN_DIR }, conf);
}

/** The reference's per-container chain name (containernetworking/plugins `pkg/utils/utils.go` MustFormatChainNameWithPrefix, prefix DN-), computed independently of the plugin. */
export const dnChainOf = (net: string, cid: string) =>
  (
    'CNI-DN-' +
    createHash('sha512')
      .update(net + cid)
      .digest('hex')
  ).slice(0, 28);

/** nat-table lines that belong to this container: its chain and rules naming it or jumping to it. */
export async function containerLines(net: Net, cid: string, v6 = false): Promise<string[]> {
  const text = await iptablesSave('nat', v6);
  const chain = dnChainOf(net.name, cid);
  return text
    .split('\n')
    .filter((l) => l.includes(`dnat name: \\"${net.name}\\" id: \\"${cid}\\"`) || l.includes(chain))
    .sort();
}

/** Background echo servers (socat) in a container: TCP and UDP on `port`. */
export async function echoServers(c: Container, port: number): Promise<void> {
  for (const spec of [`TCP-LISTEN:${port},fork,reuseaddr`, `UDP-RECVFROM:${port},fork`]) {
    const p = execa('ip', ['netns', 'exec', c.ns.name, 'socat', spec, 'PIPE'], { reject: false, stdio: 'ignore' });
    onCleanup(() => {
      p.kill('SIGKILL');
      return p.catch(() => undefined);
    });
  }
  // Wait until TCP accepts inside the namespace.
  for (let i = 0; i < 50; i++) {
    if ((await nsExec(c.ns.name, 'ss', ['-Hltn', `sport = :${port}`])).stdout.trim()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('echo server did not start');
}

/** Send `msg` to host:port over tcp/udp from a namespace (or the host) and return the echo. */
export async function probe(proto: 'tcp' | 'udp', host: string, port: number, from?: Netns, msg = 'ping'): Promise<string> {
  const addr = proto === 'tcp' ? `TCP:${host}:${port},connect-timeout=2` : `UDP:${host}:${port}`;
  let out = '';
  for (let i = 0; i < 3 && !out.includes(msg); i++) {
    const r = await nsExec(from?.name, 'socat', ['-T', '1', '-t', '1', '-', addr], { input: `${msg}\n`, timeoutMs: 5000 });
    out = r.stdout;
  }
  return out.trim();
}
