// Helpers for the host-local conformance tests: run ours or the reference on a private data dir,
// read the lease directory back, and time ADD/DEL (exported for the benchmark).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { binFor, runPlugin, type Impl, type PluginResult } from '../lib/plugin.ts';

export const CNI_VERSION = '1.0.0'; // the newest version the 1.1.1 reference speaks

export interface HlCall {
  impl: Impl;
  command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';
  id?: string;
  ifname?: string;
  args?: string;
  netns?: string;
}

/** Run host-local (ours or the reference) with conf on stdin. */
export function hostLocal(call: HlCall, conf: object): Promise<PluginResult> {
  const attach = call.command === 'GC' || call.command === 'STATUS' ? {} : { containerId: call.id ?? 'c1', ifname: call.ifname ?? 'eth0' };
  return runPlugin(
    binFor(call.impl, 'host-local'),
    {
      command: call.command,
      ...attach,
      netns: call.command === 'ADD' || call.command === 'CHECK' ? (call.netns ?? '/var/run/netns/none') : undefined,
      ...(call.args !== undefined ? { args: call.args } : {}),
      path: '/usr/lib/cni',
    },
    conf,
  );
}

/** An IPAM-only netconf for `name`, leases under dataDir. */
export function netconf(name: string, dataDir: string, ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): object {
  return { cniVersion: CNI_VERSION, name, type: 'bridge', ipam: { type: 'host-local', dataDir, ...ipam }, ...extra };
}

/** Every file of <dataDir>/<name> but `lock` with its exact content (temp files included: they must not survive). */
export async function leaseFiles(dataDir: string, name: string): Promise<Record<string, string>> {
  const dir = join(dataDir, name);
  const out: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) if (n !== 'lock') out[n] = await readFile(join(dir, n), 'utf8');
  return out;
}

/** An error result without the code (ours says 7 for config errors where Go's skel says 999). */
export const errMsg = (r: PluginResult): string | undefined => (r.code === 0 ? undefined : r.json?.msg);

export interface Timing {
  addMs: number[];
  delMs: number[];
}

/**
 * Time `iterations` ADD+DEL pairs of one host-local binary on a private data dir (sequential,
 * wall time per call). For the benchmark: `timeAddDel('/path/to/host-local', dataDir, 20)`.
 */
export async function timeAddDel(bin: string, dataDir: string, iterations: number, name = 'bench-hl'): Promise<Timing> {
  const conf = {
    cniVersion: CNI_VERSION,
    name,
    type: 'bridge',
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.250.0.0/16' }], [{ subnet: 'fd00:250::/64' }]] },
  };
  const t: Timing = { addMs: [], delMs: [] };
  for (let i = 0; i < iterations; i++) {
    for (const command of ['ADD', 'DEL'] as const) {
      const t0 = performance.now();
      const r = await runPlugin(bin, { command, containerId: `bench${i}`, ifname: 'eth0', netns: '/var/run/netns/none', path: '/usr/lib/cni' }, conf);
      const ms = performance.now() - t0;
      if (r.code !== 0) throw new Error(`host-local ${command} failed: ${r.stdout}`);
      (command === 'ADD' ? t.addMs : t.delMs).push(ms);
    }
  }
  return t;
}
