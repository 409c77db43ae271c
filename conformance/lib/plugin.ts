// Invoke a CNI plugin binary directly, the way a runtime would: CNI_* env
// vars + config on stdin. The child never inherits CNI_* (or cnitool's)
// variables from the test process, so every invocation is fully explicit.

import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './exec.ts';
import { withSharedHost } from './lock.ts';
import { makeTempDir } from './registry.ts';

/** Repository root (conformance/lib/ → ../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `npm run build` puts our plugin executables. */
export const OUR_BIN_DIR = join(REPO_ROOT, 'dist', 'bin');
/** Debian's containernetworking-plugins (Go reference implementation, 1.1.1). */
export const REF_BIN_DIR = '/usr/lib/cni';

export function ourBin(name: string): string {
  return join(OUR_BIN_DIR, name);
}
export function refBin(name: string): string {
  return join(REF_BIN_DIR, name);
}
export function haveOurBin(name: string): boolean {
  return existsSync(ourBin(name));
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

export interface PluginInvocation {
  /** CNI_COMMAND. A string allows testing bogus commands. */
  command: CniCommand | (string & {});
  containerId?: string;
  netns?: string;
  ifname?: string;
  /** CNI_ARGS: raw string, or pairs joined as K=V;K=V. */
  args?: string | Record<string, string>;
  /** CNI_PATH; default: our dist/bin. */
  path?: string;
  /** Extra/override env; a value of undefined removes the variable. */
  extraEnv?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Run the plugin inside this named netns (`ip netns exec`), e.g. a stand-in for the host. */
  inNetns?: string;
  /** Enter inNetns with setns() alone (`nsenter --net`): /sys stays the host's, as some callers leave it. */
  setnsOnly?: boolean;
}

export interface PluginResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Parsed stdout, or undefined if stdout is empty or not JSON. */
  json: any;
  timedOut: boolean;
  signal?: string;
}

// Variables the test process might carry that would change plugin behaviour.
const STRIPPED_ENV = /^(CNI_.*|NETCONFPATH|CAP_ARGS|NODE_OPTIONS|VITEST.*|TEST|NODE_ENV)$/;

/** process.env minus CNI_* & friends; PATH kept (Go plugins exec iptables via PATH). */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !STRIPPED_ENV.test(k)) env[k] = v;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return env;
}

export function formatCniArgs(args: string | Record<string, string>): string {
  return typeof args === 'string'
    ? args
    : Object.entries(args)
        .map(([k, v]) => `${k}=${v}`)
        .join(';');
}

export function applyEnv(env: Record<string, string>, extra: Record<string, string | undefined> = {}): void {
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
}

function parseJson(text: string): any {
  const t = text.trim();
  if (t === '') return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/**
 * Run one plugin: `runPlugin(ourBin("bridge"), {command: "ADD", containerId,
 * netns: ns.path, ifname: "eth0"}, conf)`. Unset fields are left unset in
 * the env (to test missing-variable errors), except CNI_PATH which defaults
 * to our dist/bin.
 */
export async function runPlugin(binPath: string, inv: PluginInvocation, stdin: object | string = ''): Promise<PluginResult> {
  const env = baseEnv();
  env.CNI_COMMAND = inv.command;
  if (inv.containerId !== undefined) env.CNI_CONTAINERID = inv.containerId;
  if (inv.netns !== undefined) env.CNI_NETNS = inv.netns;
  if (inv.ifname !== undefined) env.CNI_IFNAME = inv.ifname;
  if (inv.args !== undefined) env.CNI_ARGS = formatCniArgs(inv.args);
  env.CNI_PATH = inv.path ?? OUR_BIN_DIR;
  applyEnv(env, inv.extraEnv);

  const input = typeof stdin === 'string' ? stdin : JSON.stringify(stdin);
  const [file, argv] = !inv.inNetns
    ? [binPath, []]
    : inv.setnsOnly
      ? ['nsenter', [`--net=/var/run/netns/${inv.inNetns}`, '--', binPath]]
      : ['ip', ['netns', 'exec', inv.inNetns, binPath]];
  const r = await withSharedHost(() => run(file, argv, { input, env, extendEnv: false, timeoutMs: inv.timeoutMs ?? 30_000 }));
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.spawnError ? `${r.stderr}${r.spawnError}` : r.stderr,
    json: parseJson(r.stdout),
    timedOut: r.timedOut,
    signal: r.signal,
  };
}

// ---------------------------------------------------------------- CNI_PATH

/** CNI_PATH with only the Go reference plugins. */
export function refCniPath(): string {
  return REF_BIN_DIR;
}

export type Impl = 'ours' | 'ref';

/**
 * A temp dir of symlinks choosing, per plugin, ours or the reference one —
 * e.g. `mixedCniPath({bridge: "ref", "host-local": "ours"})` makes the Go
 * bridge delegate IPAM to our host-local. A value may also be an absolute
 * path to any executable. Removed by cleanup().
 */
export async function mixedCniPath(choice: Record<string, Impl | string>): Promise<string> {
  const dir = await makeTempDir('cnipath');
  for (const [name, impl] of Object.entries(choice)) {
    const target = impl === 'ours' ? ourBin(name) : impl === 'ref' ? refBin(name) : impl;
    await symlink(target, join(dir, name));
  }
  return dir;
}

/** Binary path for `impl`. */
export function binFor(impl: Impl, name: string): string {
  return impl === 'ours' ? ourBin(name) : refBin(name);
}
