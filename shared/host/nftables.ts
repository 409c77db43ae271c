// nftables: one `nft -f -` transaction per change, `nft -j list` to read.
import { commandError, run, saysNotFound } from './exec.ts';
import { CniError, Code } from '../cni/errors.ts';

export async function nftApply(script: string): Promise<void> {
  const r = await run('nft', ['-f', '-'], { input: script, allowFail: true });
  if (r.exitCode !== 0) throw commandError('nft failed', r);
}

/** `nft -j list ...` parsed; undefined when the object does not exist (or nft is not installed). */
export async function nftListJson(args: readonly string[]): Promise<Array<Record<string, unknown>> | undefined> {
  const r = await run('nft', ['-j', 'list', ...args], { allowFail: true });
  if (r.exitCode !== 0) {
    if (r.missing || saysNotFound(r)) return undefined;
    throw commandError(`nft list ${args.join(' ')} failed`, r);
  }
  const doc = JSON.parse(r.stdout) as { nftables?: Array<Record<string, unknown>> };
  return doc.nftables ?? [];
}

/** A string for an nft script: nft reads double-quoted strings without escapes, so quotes are refused. */
export function nftString(s: string): string {
  if (/["\n\r\x00\\]/.test(s)) throw new CniError(Code.Internal, `refusing to put ${JSON.stringify(s)} into an nft ruleset`);
  return `"${s}"`;
}

export async function nftUsable(): Promise<boolean> {
  try {
    return (await run('nft', ['list', 'tables'], { allowFail: true })).exitCode === 0;
  } catch {
    return false;
  }
}
