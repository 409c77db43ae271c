// Run corpus cases against our executables and judge their output; shared by the vitest suite and
// the soak script.
import { baseEnv, ourBin, OUR_BIN_DIR } from '../lib/plugin.ts';
import { run } from '../lib/exec.ts';
import { isOurs, type HostSnapshot } from '../lib/index.ts';
import type { Case } from './corpus.ts';

/**
 * Links of other test runs (and their ports): their carrier, routes and link-local addresses
 * change asynchronously in the kernel, outside the harness lock, so they are not ours to judge.
 */
export function foreignLinks(a: HostSnapshot, b: HostSnapshot): (name: string) => boolean {
  const otherRun = (name: unknown) => typeof name === 'string' && /^c[g-z][0-9a-z]{4}/.test(name) && !isOurs(name);
  const set = new Set<string>();
  for (const s of [a, b]) {
    for (const [name, l] of Object.entries(s.links)) if (otherRun(name) || otherRun((l as { master?: unknown }).master)) set.add(name);
  }
  // By name too: a link can appear or vanish between a snapshot's link and route listings.
  return (name) => set.has(name) || otherRun(name);
}

export interface Verdict {
  case: Case;
  ok: boolean;
  why?: string;
  code: number;
  stdout: string;
}

/** Run one case (no host lock: the caller holds exclusiveHost around a batch). */
export async function runCase(c: Case): Promise<Verdict> {
  const env = baseEnv();
  env.CNI_PATH = OUR_BIN_DIR;
  for (const [k, v] of Object.entries(c.env)) if (v !== undefined) env[k] = v;
  for (const k of c.unset ?? []) delete env[k];
  const r = await run(ourBin(c.plugin), [], { input: c.stdin, env, extendEnv: false, timeoutMs: 20_000 });
  const v: Verdict = { case: c, ok: false, code: r.code, stdout: r.stdout };
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    v.why = `stdout is not JSON (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${JSON.stringify(r.stdout.slice(0, 200))} stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
    return v;
  }
  if (r.code === 0) v.why = `exit 0 (accepted): ${r.stdout.slice(0, 200)}`;
  else if (typeof json?.code !== 'number' || json.code <= 0) v.why = `no numeric error code: ${r.stdout.slice(0, 200)}`;
  else if (typeof json.msg !== 'string' || json.msg.trim() === '') v.why = `empty msg: ${r.stdout.slice(0, 200)}`;
  else if (!c.msg.test(`${json.msg} ${json.details ?? ''}`)) v.why = `msg does not match ${c.msg}: ${JSON.stringify(json).slice(0, 300)}`;
  else v.ok = true;
  return v;
}

/** Run cases with bounded parallelism, preserving order. */
export async function runAll(cases: Case[], parallel = 4): Promise<Verdict[]> {
  const out: Verdict[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < cases.length) {
        const i = next++;
        out[i] = await runCase(cases[i]!);
      }
    }),
  );
  return out;
}
