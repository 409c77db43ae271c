// Running another plugin on a caller's behalf (spec "Section 4: Plugin Delegation"): found in CNI_PATH, run with the
// caller's environment and the given stdin, its stderr passed through, its error returned with its code. Used for
// IPAM (ipam.ts) and by meta plugins that hand the whole attachment to another plugin (flannel).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, Code } from './errors.ts';
import { pluginTypeProblem } from './validate.ts';
import { parseResult, type Result } from './result.ts';
import { execute, type Ctx, type Plugin } from './skel.ts';
import { isSameBuild } from './build-id.ts';
import { linkedPlugin } from './linked.ts';
import type { Verb } from './env.ts';
import { loadExeca } from '../host/exec.ts';

/** Who is delegated to, for messages: the config key naming its type, and what it is. */
export interface DelegateRole {
  field: string;
  what: string;
}

export function findPlugin(type: string, dirs: readonly string[], role: DelegateRole): string {
  const p = pluginTypeProblem(type);
  if (p) throw new CniError(Code.InvalidNetworkConfig, `${role.field}: ${p}`);
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

async function runLinked(plugin: Plugin, ctx: Ctx, verb: Exclude<Verb, 'VERSION'>): Promise<Result | undefined> {
  // Exactly what the child would do with this environment and stdin, including printing the
  // result in the config's version and the caller parsing it back.
  const out = await execute(plugin, verb, { ...ctx, env: { ...ctx.env, command: verb } });
  return verb === 'ADD' ? parseResult(JSON.parse(out), ctx.cniVersion) : undefined;
}

/** Run the plugin `type` for `verb` with `ctx.stdin` on its stdin; ADD returns its parsed result. */
export async function delegatePlugin(ctx: Ctx, type: string, verb: Exclude<Verb, 'VERSION'>, role: DelegateRole): Promise<Result | undefined> {
  const bin = findPlugin(type, ctx.env.path, role);
  const own = linkedPlugin(type);
  if (own && isSameBuild(bin, type)) return runLinked(own, ctx, verb);
  const execa = await loadExeca();
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
    if (r.exitCode === undefined) throw new CniError(Code.Internal, `failed to run ${role.what} plugin ${type}: ${r.message}`);
    throw decodeError(stdout, '', r.exitCode);
  }
  if (verb !== 'ADD') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (e) {
    throw new CniError(Code.DecodingFailure, `failed to unmarshal ${role.what} result: ${(e as Error).message}`);
  }
  return parseResult(json, ctx.cniVersion);
}
