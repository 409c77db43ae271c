// Delegation to the IPAM plugin named by ipam.type (spec §10): found in CNI_PATH, run with the
// same environment and stdin, its stderr passed through, its error returned with its code.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CniError, Code } from './errors.ts';
import { pluginTypeProblem } from './validate.ts';
import { parseResult, type Result } from './result.ts';
import type { Ctx } from './skel.ts';
import type { Verb } from './env.ts';

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

/** Run the delegate for `verb`; ADD returns its parsed result. */
export async function delegate(ctx: Ctx, type: string, verb: Verb): Promise<Result | undefined> {
  const bin = findInPath(type, ctx.env.path);
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
