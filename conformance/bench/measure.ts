// Timing and memory of whole plugin executions: every CNI call is a fresh process, so the figure
// that matters is the wall time of one exec, start-up included.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Exec {
  bin: string;
  env: Record<string, string>;
  stdin?: string;
}

export interface Outcome {
  ms: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function timeExec(e: Exec): Promise<Outcome> {
  const t0 = performance.now();
  const r = await execa(e.bin, [], { env: e.env, extendEnv: false, input: e.stdin ?? '', reject: false });
  return { ms: performance.now() - t0, exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Peak resident set size (KiB) of one execution, from GNU time. */
export async function peakRssKiB(e: Exec): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cni-bench-'));
  try {
    const out = join(dir, 'rss');
    await execa('/usr/bin/time', ['-f', '%M', '-o', out, e.bin], { env: e.env, extendEnv: false, input: e.stdin ?? '', reject: false });
    return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface Row {
  op: string;
  ours: number;
  ref: number;
  oursRss?: number;
  refRss?: number;
  runs: number;
}

export function printTable(rows: Row[]): void {
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  console.log(`${'operation'.padEnd(44)} ${'ours ms'.padStart(8)} ${'ref ms'.padStart(8)} ${'ratio'.padStart(6)} ${'ours KiB'.padStart(9)} ${'ref KiB'.padStart(9)} runs`);
  for (const r of rows) {
    console.log(`${r.op.padEnd(44)} ${fmt(r.ours)} ${fmt(r.ref)} ${(r.ours / r.ref).toFixed(2).padStart(6)} ${String(r.oursRss ?? '-').padStart(9)} ${String(r.refRss ?? '-').padStart(9)} ${r.runs}`);
  }
}

export const RUNS = Number(process.env.BENCH_RUNS ?? 20);
export const OURS = resolve('dist/bin');
export const REF = '/usr/lib/cni';
/** Names made by this benchmark run start with this, so parallel runs never collide. */
export const prefix = `bn${Math.random().toString(36).slice(2, 6)}`;

export async function netnsAdd(name: string): Promise<string> {
  await execa('ip', ['netns', 'add', name]);
  return `/var/run/netns/${name}`;
}
export async function netnsDel(name: string): Promise<void> {
  await execa('ip', ['netns', 'del', name], { reject: false });
}

export function env(cmd: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: cmd, ...extra };
}

/** Run `ours` and `ref` alternately (order flipped every run) and keep every sample. */
export async function interleave(runs: number, ours: () => Promise<number>, ref: () => Promise<number>) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) { b.push(await ref()); a.push(await ours()); } else { a.push(await ours()); b.push(await ref()); }
  }
  return { ours: median(a), ref: median(b) };
}

export async function must(e: Exec): Promise<number> {
  const o = await timeExec(e);
  if (o.exitCode !== 0) throw new Error(`${e.bin} ${e.env.CNI_COMMAND} failed: ${o.stdout} ${o.stderr}`);
  return o.ms;
}

