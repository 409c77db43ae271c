// Shared expectations for the skeleton/loopback conformance files: spec versions, the exact
// VERSION object, and assertions on the stdout/exit-code protocol (spec "Section 2: Execution Protocol", "Error").
import { expect } from 'vitest';
import { randomInt } from 'node:crypto';
import { containerId, ifName, ipamDataDir, netName, trackLink, type PluginResult } from '../lib/index.ts';

export const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type SpecVersion = (typeof VERSIONS)[number];

export const VERSION_OBJECT = { cniVersion: '1.1.0', supportedVersions: [...VERSIONS] };

/** Numeric order of two spec versions (all three-part integers). */
export function cmpVersion(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

const show = (r: PluginResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** stdout is one JSON object and nothing else, returned parsed. */
export function singleJson(r: PluginResult): Record<string, any> {
  let v: unknown;
  // JSON.parse of the whole stdout: a second object or log text would make it throw.
  expect(() => (v = JSON.parse(r.stdout)), show(r)).not.toThrow();
  expect(v !== null && typeof v === 'object' && !Array.isArray(v), show(r)).toBe(true);
  return v as Record<string, any>;
}

/** A failure: non-zero exit, stdout exactly one error object {code:int, msg:string}. */
export function expectError(r: PluginResult, code?: number, msg?: RegExp | string): Record<string, any> {
  expect(r.code, show(r)).not.toBe(0);
  expect(r.timedOut, show(r)).toBe(false);
  const e = singleJson(r);
  expect(Number.isInteger(e.code), show(r)).toBe(true);
  expect(typeof e.msg, show(r)).toBe('string');
  if (e.details !== undefined) expect(typeof e.details, show(r)).toBe('string');
  if (code !== undefined) expect(e.code, show(r)).toBe(code);
  if (msg !== undefined) expect(`${e.msg} ${e.details ?? ''}`, show(r)).toMatch(msg);
  return e;
}

/** A DEL/CHECK/GC/STATUS success: exit 0 and nothing on stdout. */
export function expectEmptySuccess(r: PluginResult): void {
  expect(r.code, show(r)).toBe(0);
  expect(r.stdout.trim(), show(r)).toBe('');
}

/** An ADD/VERSION success: exit 0 and exactly one JSON object on stdout. */
export function expectJsonSuccess(r: PluginResult): Record<string, any> {
  expect(r.code, show(r)).toBe(0);
  return singleJson(r);
}

// ------------------------------------------------------------------ the four executables

/** Per-test objects a plugin config may point at (all carrying this run's prefix). */
export interface Fixture {
  net: string;
  cid: string;
  dataDir: string;
  bridge: string;
  /** third octet of 10.224.X.0/24 (fd00:224:X::/64), random per fixture */
  x: number;
  port: number;
}

export async function fixture(): Promise<Fixture> {
  const bridge = ifName(`s${randomInt(0, 36 ** 3).toString(36)}`);
  trackLink(bridge);
  return {
    net: netName(),
    cid: containerId(),
    dataDir: await ipamDataDir(),
    bridge,
    x: randomInt(1, 255),
    port: randomInt(20000, 60000),
  };
}

export type PluginName = 'loopback' | 'bridge' | 'portmap' | 'host-local';
/** Our four executables; generic-a/generic-b cover two each. */
export const PLUGINS: readonly PluginName[] = ['loopback', 'bridge', 'portmap', 'host-local'];

/**
 * A valid config for `plugin` whose ADD would change the host (bridge: a bridge, veth, masq
 * rules, lease; host-local: a lease file; portmap: DNAT rules), so "nothing changed" after a
 * refused call means something.
 */
export function validConf(plugin: PluginName, f: Fixture, cniVersion: string = '1.1.0', netnsPath = '/nonexistent'): Record<string, unknown> {
  const ipam = { type: 'host-local', dataDir: f.dataDir, ranges: [[{ subnet: `10.224.${f.x}.0/24` }]] };
  switch (plugin) {
    case 'loopback':
      return { cniVersion, name: f.net, type: 'loopback' };
    case 'host-local':
      return { cniVersion, name: f.net, type: 'bridge', ipam };
    case 'bridge':
      return { cniVersion, name: f.net, type: 'bridge', bridge: f.bridge, isGateway: true, ipMasq: true, ipam };
    case 'portmap':
      return {
        cniVersion,
        name: f.net,
        type: 'portmap',
        capabilities: { portMappings: true },
        runtimeConfig: { portMappings: [{ hostPort: f.port, containerPort: 80, protocol: 'tcp' }] },
        prevResult: {
          cniVersion,
          interfaces: [{ name: 'eth0', sandbox: netnsPath }],
          ips: [{ address: `10.224.${f.x}.2/24`, interface: 0, ...(cniVersion.startsWith('0.') ? { version: '4' } : {}) }],
        },
      };
  }
}

/** Map with at most `limit` calls in flight (plugin runs are short processes; 2 cores). */
export async function pMap<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, limit = 3): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
