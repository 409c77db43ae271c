// Delegation to the IPAM plugin named by ipam.type (spec "Section 4: Plugin Delegation"): found in CNI_PATH, run with the
// same environment and stdin, its stderr passed through, its error returned with its code.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CniError, Code } from './errors.ts';
import { pluginTypeProblem } from './validate.ts';
import { parseResult, type Result } from './result.ts';
import { execute, type Ctx, type Plugin } from './skel.ts';
import { isSameBuild } from './build-id.ts';
import type { Verb } from './env.ts';
import type { UndoStack } from './undo.ts';

export function findInPath(type: string, dirs: readonly string[]): string {
  const p = pluginTypeProblem(type);
  if (p) throw new CniError(Code.InvalidNetworkConfig, `ipam.type: ${p}`);
  for (const d of dirs) {
    const f = join(d, type);
    try {
      if (statSync(f).isFile()) return f;
    } catch {
      // not in this directory
    }
  }
  throw new CniError(Code.Internal, `failed to find plugin "${type}" in path [${dirs.join(' ')}]`);
}

function decodeError(stdout: string, stderr: string, exitCode: number): CniError {
  try {
    const e = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (e && typeof e === 'object' && typeof e.msg === 'string') {
      return new CniError(typeof e.code === 'number' ? e.code : Code.Unknown, e.msg, typeof e.details === 'string' ? e.details : '');
    }
  } catch {
    // not JSON: fall through to libcni's wording
  }
  if (stdout.trim() === '' && stderr.trim() === '') return new CniError(Code.Unknown, `netplugin failed with no error message: exit status ${exitCode}`);
  if (stdout.trim() === '') return new CniError(Code.Unknown, `netplugin failed: ${JSON.stringify(stderr)}: exit status ${exitCode}`);
  return new CniError(Code.Unknown, `netplugin failed but error parsing its diagnostic message ${JSON.stringify(stdout)}`);
}

const linked = new Map<string, Plugin>();

/**
 * Make `plugin`'s code available to run in this process when the executable found for `type`
 * in CNI_PATH is that plugin from this same build: the same code, without a second process
 * start-up (~40 ms). Any other executable of that name (the Go one, another build) is exec'd.
 */
export function linkInProcess(type: string, plugin: Plugin): void {
  linked.set(type, plugin);
}

async function runLinked(plugin: Plugin, ctx: Ctx, verb: Exclude<Verb, 'VERSION'>): Promise<Result | undefined> {
  // Exactly what the child would do with this environment and stdin, including printing the
  // result in the config's version and the caller parsing it back.
  const out = await execute(plugin, verb, { ...ctx, env: { ...ctx.env, command: verb } });
  return verb === 'ADD' ? parseResult(JSON.parse(out), ctx.cniVersion) : undefined;
}

/** Run the delegate for `verb`; ADD returns its parsed result. */
export async function delegate(ctx: Ctx, type: string, verb: Exclude<Verb, 'VERSION'>): Promise<Result | undefined> {
  const bin = findInPath(type, ctx.env.path);
  const own = linked.get(type);
  if (own && isSameBuild(bin, type)) return runLinked(own, ctx, verb);
  const r = await execa(bin, [], {
    input: ctx.stdin,
    env: { ...process.env, CNI_COMMAND: verb },
    extendEnv: false,
    reject: false,
    stderr: 'inherit',
    stripFinalNewline: false,
  });
  const stdout = String(r.stdout ?? '');
  if (r.exitCode !== 0) {
    if (r.exitCode === undefined) throw new CniError(Code.Internal, `failed to run IPAM plugin ${type}: ${r.message}`);
    throw decodeError(stdout, '', r.exitCode);
  }
  if (verb !== 'ADD') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (e) {
    throw new CniError(Code.DecodingFailure, `failed to unmarshal IPAM result: ${(e as Error).message}`);
  }
  return parseResult(json, ctx.cniVersion);
}

/** STATUS of a plugin whose readiness is its IPAM's: the IPAM plugin is there and reports ready itself ('' = no IPAM, ready). */
export async function ipamStatus(ctx: Ctx, type: string): Promise<void> {
  if (type === '') return;
  try {
    findInPath(type, ctx.env.path);
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, `IPAM plugin not available: ${(e as Error).message}`);
  }
  await delegate(ctx, type, 'STATUS');
}

/** GC of a plugin whose only state is its IPAM's: the IPAM plugin's own GC ('' = nothing to do). */
export async function ipamGc(ctx: Ctx, type: string): Promise<void> {
  if (type !== '') await delegate(ctx, type, 'GC');
}

/** IPAM ADD; its release (IPAM DEL) is pushed on the undo stack once the lease exists. */
export async function ipamAdd(ctx: Ctx, type: string, undo: UndoStack): Promise<Result> {
  const r = await delegate(ctx, type, 'ADD');
  undo.push(() => delegate(ctx, type, 'DEL').then(() => undefined));
  if (!r?.ips?.length) throw new CniError(Code.Internal, 'IPAM plugin returned missing IP config');
  return r;
}

/** IPAM types that speak over the container's link (dhcp releases its lease through it). */
export const ipamNeedsLink = (type: string): boolean => type === 'dhcp';

/**
 * DEL of the container's link and its IPAM lease. They run side by side, unless the IPAM needs
 * the link: then its DEL finishes first (the reference's bridge deletes the link first, and dhcp's
 * release then fails with "no such device"); the link goes even when that DEL fails.
 */
export function linkAndIpamDel(ctx: Ctx, ipamType: string, delLink: () => Promise<unknown>): Array<Promise<unknown>> {
  if (ipamType === '') return [delLink()];
  if (ipamNeedsLink(ipamType)) return [delegate(ctx, ipamType, 'DEL').finally(delLink)];
  return [delLink(), delegate(ctx, ipamType, 'DEL')];
}
