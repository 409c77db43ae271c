// The `sysctl` map inside the container's namespace: /proc/sys/net shows the namespace of the
// process that opens it, so a process inside it (one sysctl(8)) reads the current values and then
// writes the new ones. The values read first are what a failed ADD puts back.
import { run } from '../../shared/host/exec.ts';
import { writeInNetns } from '../../shared/host/sysctl.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { printedName } from './sysctl-key.ts';

export type Setting = readonly [path: string, value: string];

/**
 * sysctl(8) prints `name = value` per key read or written, names with '/' and '.' swapped. The
 * first line for a name is its read (all reads come before the writes).
 */
export function parseSysctlOutput(stdout: string, paths: readonly string[]): Map<string, string> {
  const byName = new Map(paths.map((p) => [printedName(p), p]));
  const out = new Map<string, string>();
  for (const l of stdout.split('\n')) {
    const i = l.indexOf(' = ');
    if (i < 0) continue;
    const p = byName.get(l.slice(0, i));
    if (p !== undefined && !out.has(p)) out.set(p, l.slice(i + 3));
  }
  return out;
}

const firstLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => l.replace(/^sysctl: /, ''))
    .join('; ');

/** Read the keys, then write them, in one process. Throws (after putting back) when any fails. */
export async function readAndWrite(netns: string, settings: readonly Setting[]): Promise<Map<string, string>> {
  const paths = settings.map(([p]) => p);
  const r = await run('sysctl', [...paths, ...settings.map(([p, v]) => `${p}=${v}`)], { netns, allowFail: true });
  const originals = parseSysctlOutput(r.stdout, paths);
  if (r.exitCode !== 0) {
    await restore(netns, originals);
    throw new CniError(Code.Internal, `failed to set sysctl: ${firstLine(r.stderr) || `exit status ${r.exitCode}`}`);
  }
  return originals;
}

/** Put values back (a failed ADD's undo): best effort, in one process. */
export async function restore(netns: string, originals: ReadonlyMap<string, string>): Promise<void> {
  await writeInNetns(netns, [...originals]);
}

/** Current values for CHECK; the first key that cannot be read is an error. */
export async function readValues(netns: string, paths: readonly string[]): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const r = await run('sysctl', [...paths], { netns, allowFail: true });
  const got = parseSysctlOutput(r.stdout, paths);
  const missing = paths.find((p) => !got.has(p));
  if (missing !== undefined) throw new CniError(Code.Internal, `failed to read /proc/sys/${missing}: ${firstLine(r.stderr) || 'no value'}`);
  return got;
}
