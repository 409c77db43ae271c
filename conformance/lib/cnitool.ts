// Drive upstream cnitool 1.1.2 (built by conformance/setup/cnitool.sh) as the
// "runtime": it loads a conflist by network name from NETCONFPATH, chains the
// plugins, injects prevResult / runtimeConfig, and keeps libcni's result cache.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { run } from './exec.ts';
import { withSharedHost } from './lock.ts';
import { CNI_RESULTS_DIR, makeTempDir, trackNetwork } from './registry.ts';
import { OUR_BIN_DIR, REPO_ROOT, applyEnv, baseEnv, formatCniArgs, type PluginResult } from './plugin.ts';

export const CNITOOL = join(REPO_ROOT, '.tools', 'bin', 'cnitool');

export function haveCnitool(): boolean {
  return existsSync(CNITOOL);
}

export type CnitoolVerb = 'add' | 'check' | 'del';

export interface CnitoolOptions {
  /** NETCONFPATH: dir whose *.conflist files cnitool scans (one dir per test!). */
  confDir: string;
  /** CNI_PATH (default: our dist/bin). */
  cniPath?: string;
  /** CNI_IFNAME (cnitool default: eth0). */
  ifname?: string;
  /** CAP_ARGS, e.g. {portMappings: [...]}; only capabilities the plugin declares are passed on. */
  capArgs?: Record<string, unknown>;
  /** CNI_ARGS; cnitool rejects empty keys/values. */
  cniArgs?: string | Record<string, string>;
  extraEnv?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Run cnitool (and so every plugin) inside this named netns, e.g. a stand-in for the host. */
  inNetns?: string;
}

/**
 * `cnitool <verb> <netName> <netnsPath>`. Exit code is 0/1 only; on ADD,
 * stdout is the final result re-serialised by libcni (Go types, so unknown
 * fields are dropped and key order is libcni's), parsed into `json`.
 */
export async function cnitool(verb: CnitoolVerb, netName: string, netnsPath: string, opts: CnitoolOptions): Promise<PluginResult> {
  // libcni passes cnitool's whole environment on to every plugin, so the
  // same scrubbed base env as direct invocations keeps them comparable.
  const env = baseEnv();
  env.NETCONFPATH = opts.confDir;
  env.CNI_PATH = opts.cniPath ?? OUR_BIN_DIR;
  if (opts.ifname !== undefined) env.CNI_IFNAME = opts.ifname;
  if (opts.capArgs !== undefined) env.CAP_ARGS = JSON.stringify(opts.capArgs);
  if (opts.cniArgs !== undefined) env.CNI_ARGS = formatCniArgs(opts.cniArgs);
  applyEnv(env, opts.extraEnv);
  trackNetwork(netName);

  // libcni runs plugins with no timeout; ours keeps a hung plugin from eating the test.
  const r = await withSharedHost(() =>
    opts.inNetns
      ? run('ip', ['netns', 'exec', opts.inNetns, CNITOOL, verb, netName, netnsPath], { env, extendEnv: false, timeoutMs: opts.timeoutMs ?? 45_000 })
      : run(CNITOOL, [verb, netName, netnsPath], { env, extendEnv: false, timeoutMs: opts.timeoutMs ?? 45_000 }),
  );
  let json: any;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.spawnError ? `${r.stderr}${r.spawnError}` : r.stderr,
    json,
    timedOut: r.timedOut,
    signal: r.signal,
  };
}

/**
 * Write `<dir>/<name>.conflist`. libcni matches on the "name" field, not the
 * file name, and fails the whole lookup if *any* conflist in the dir is
 * unparsable — hence one confDir per test (see makeConfDir).
 */
export async function writeConflist(dir: string, conflist: { name: string; [k: string]: unknown } | string): Promise<string> {
  const obj = typeof conflist === 'string' ? (JSON.parse(conflist) as { name: string }) : conflist;
  const text = typeof conflist === 'string' ? conflist : JSON.stringify(conflist, null, 2);
  trackNetwork(obj.name);
  const file = join(dir, `${obj.name}.conflist`);
  await writeFile(file, text);
  return file;
}

/** A fresh NETCONFPATH dir, removed by cleanup(). */
export function makeConfDir(): Promise<string> {
  return makeTempDir('netconf');
}

/** Container ID cnitool derives: "cnitool-" + hex(sha512(abs netns path)[0:10]). */
export function cnitoolContainerId(netnsPath: string): string {
  // cnitool uses filepath.Abs (no symlink resolution): /var/run/netns/x and
  // /run/netns/x give different IDs.
  const abs = isAbsolute(netnsPath) ? resolve(netnsPath) : resolve(process.cwd(), netnsPath);
  return `cnitool-${createHash('sha512').update(abs).digest().subarray(0, 10).toString('hex')}`;
}

/** libcni's cache file for this (network, netns, ifname). */
export function cnitoolCachePath(netName: string, netnsPath: string, ifname = 'eth0'): string {
  return join(CNI_RESULTS_DIR, `${netName}-${cnitoolContainerId(netnsPath)}-${ifname}`);
}
