// The full chain a runtime runs for one container, invoked directly (as libcni does): loopback on
// `lo`, then bridge (+ host-local IPAM) and portmap on eth0 with the previous result threaded
// through as prevResult. DEL runs in reverse order.
import { readdir } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { ourBin, runPlugin, OUR_BIN_DIR, type PluginResult } from '../lib/plugin.ts';

export interface Net {
  name: string;
  bridge: string;
  dataDir: string;
  /** e.g. "10.166.2.0/24" */
  subnet: string;
  /** IPAM plugin type (default host-local) and CNI_PATH (default our dist/bin). */
  ipamType?: string;
  cniPath?: string;
  /** Extra host-local keys (rangeStart/rangeEnd...). */
  range?: Record<string, unknown>;
}

export interface Container {
  id: string;
  netns: string;
  hostPort: number;
}

export function bridgeConf(n: Net): Record<string, unknown> {
  return {
    cniVersion: '1.1.0',
    name: n.name,
    type: 'bridge',
    bridge: n.bridge,
    isGateway: true,
    ipMasq: true,
    ipam: { type: n.ipamType ?? 'host-local', dataDir: n.dataDir, ranges: [[{ subnet: n.subnet, ...n.range }]] },
  };
}

export function portmapConf(n: Net, c: Container, prevResult?: unknown): Record<string, unknown> {
  return {
    cniVersion: '1.1.0',
    name: n.name,
    type: 'portmap',
    capabilities: { portMappings: true },
    snat: true,
    runtimeConfig: { portMappings: [{ hostPort: c.hostPort, containerPort: 80, protocol: 'tcp' }] },
    ...(prevResult ? { prevResult } : {}),
  };
}

export const loopbackConf = (n: Net) => ({ cniVersion: '1.1.0', name: n.name, type: 'loopback' });

export function call(plugin: string, command: string, n: Net, c: Container, conf: unknown, ifname = 'eth0'): Promise<PluginResult> {
  return runPlugin(ourBin(plugin), { command, containerId: c.id, netns: c.netns, ifname, path: n.cniPath ?? OUR_BIN_DIR }, conf as object);
}

export interface Step {
  plugin: string;
  verb: string;
  ms: number;
  r: PluginResult;
}

const fail = (s: Step) =>
  new Error(`${s.plugin} ${s.verb} failed (exit ${s.r.code}${s.r.signal ? ` ${s.r.signal}` : ''}): ${s.r.stdout.slice(0, 400)} ${s.r.stderr.slice(0, 400)}`);

async function timed(plugin: string, verb: string, p: Promise<PluginResult>): Promise<Step> {
  const t0 = performance.now();
  const r = await p;
  return { plugin, verb, ms: performance.now() - t0, r };
}

/** ADD the whole chain; returns the final result (throws on any failure). */
export async function addChain(n: Net, c: Container, steps: Step[] = []): Promise<any> {
  const lo = await timed('loopback', 'ADD', call('loopback', 'ADD', n, c, loopbackConf(n), 'lo'));
  steps.push(lo);
  if (lo.r.code !== 0) throw fail(lo);
  const br = await timed('bridge', 'ADD', call('bridge', 'ADD', n, c, bridgeConf(n)));
  steps.push(br);
  if (br.r.code !== 0) throw fail(br);
  const pm = await timed('portmap', 'ADD', call('portmap', 'ADD', n, c, portmapConf(n, c, br.r.json)));
  steps.push(pm);
  if (pm.r.code !== 0) throw fail(pm);
  return pm.r.json;
}

export async function checkChain(n: Net, c: Container, result: unknown, steps: Step[] = []): Promise<void> {
  const br = await timed('bridge', 'CHECK', call('bridge', 'CHECK', n, c, { ...bridgeConf(n), prevResult: result }));
  steps.push(br);
  if (br.r.code !== 0) throw fail(br);
  const pm = await timed('portmap', 'CHECK', call('portmap', 'CHECK', n, c, portmapConf(n, c, result)));
  steps.push(pm);
  if (pm.r.code !== 0) throw fail(pm);
}

/** DEL in reverse order, as libcni does (prevResult = the cached result, when there is one). */
export async function delChain(n: Net, c: Container, result?: unknown, steps: Step[] = []): Promise<void> {
  const prev = result ? { prevResult: result } : {};
  for (const [plugin, conf, ifname] of [
    ['portmap', portmapConf(n, c, result), 'eth0'],
    ['bridge', { ...bridgeConf(n), ...prev }, 'eth0'],
    ['loopback', { ...loopbackConf(n), ...prev }, 'lo'],
  ] as const) {
    const s = await timed(plugin, 'DEL', call(plugin, 'DEL', n, c, conf, ifname));
    steps.push(s);
    if (s.r.code !== 0) throw fail(s);
  }
}

/** Lease files (IP-named) of a network in its dataDir. */
export async function leases(n: Net): Promise<string[]> {
  try {
    return (await readdir(`${n.dataDir}/${n.name}`)).filter((f) => /^[0-9a-f.:]+$/i.test(f) && /[.:]/.test(f));
  } catch {
    return [];
  }
}

/** PIDs of processes working for a container (found by CNI_CONTAINERID in their environment). */
export function procsFor(containerId: string): number[] {
  const needle = `CNI_CONTAINERID=${containerId}\0`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(needle)) out.push(Number(d));
    } catch {
      /* gone or not ours to read */
    }
  }
  return out;
}

/** Wait until orphans of a killed plugin (IPAM child, ip, iptables...) are done. */
export async function waitProcsGone(containerId: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (procsFor(containerId).length) {
    if (Date.now() > end) throw new Error(`processes for ${containerId} still running: ${procsFor(containerId).join(' ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
