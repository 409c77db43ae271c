// Helpers for the static IPAM conformance tests: run ours or the reference directly, and time
// ADD/DEL (exported for the benchmark).
import { performance } from 'node:perf_hooks';
import { binFor, runPlugin, type Impl, type PluginResult } from '../lib/plugin.ts';

export interface StaticCall {
  impl: Impl;
  command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';
  args?: string;
}

/** Run static (ours or the reference) with conf on stdin; no namespace is needed or touched. */
export function staticIpam(call: StaticCall, conf: object, bin = binFor(call.impl, 'static')): Promise<PluginResult> {
  const attach = call.command === 'GC' || call.command === 'STATUS' ? {} : { containerId: 'c1', ifname: 'eth0' };
  return runPlugin(
    bin,
    {
      command: call.command,
      ...attach,
      netns: call.command === 'ADD' || call.command === 'CHECK' ? '/var/run/netns/none' : undefined,
      ...(call.args !== undefined ? { args: call.args } : {}),
      path: '/usr/lib/cni',
    },
    conf,
  );
}

/** An IPAM-only netconf. */
export const netconf = (name: string, cniVersion: string, ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): object => ({
  cniVersion,
  name,
  type: 'macvlan',
  ipam: { type: 'static', ...ipam },
  ...extra,
});

/** Time `iterations` ADD+DEL pairs of one static binary (sequential, wall time per call). */
export async function timeAddDel(bin: string, iterations: number): Promise<{ addMs: number[]; delMs: number[] }> {
  const conf = netconf('bench-static', '1.0.0', {
    addresses: [{ address: '10.150.250.5/24', gateway: '10.150.250.1' }, { address: 'fd00:150:250::5/64' }],
    routes: [{ dst: '0.0.0.0/0' }],
  });
  const t = { addMs: [] as number[], delMs: [] as number[] };
  for (let i = 0; i < iterations; i++) {
    for (const command of ['ADD', 'DEL'] as const) {
      const t0 = performance.now();
      const r = await staticIpam({ impl: 'ours', command }, conf, bin);
      const ms = performance.now() - t0;
      if (r.code !== 0) throw new Error(`static ${command} failed: ${r.stdout}`);
      (command === 'ADD' ? t.addMs : t.delMs).push(ms);
    }
  }
  return t;
}
