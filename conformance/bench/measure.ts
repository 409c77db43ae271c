// Timing and memory of whole plugin executions: every CNI call is a fresh process, so the figure
// that matters is the wall time of one exec, start-up included.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Exec {
  bin: string;
  /** Arguments of bin (`ip netns exec <node> <plugin>` runs a plugin inside a node stand-in). */
  args?: string[];
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
  const r = await execa(e.bin, e.args ?? [], { env: e.env, extendEnv: false, input: e.stdin ?? '', reject: false });
  return { ms: performance.now() - t0, exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Peak resident set size (KiB) of one execution, from GNU time. */
export const peakRssKiB = (e: Exec): Promise<number> => peakRssArgs(e.bin, e.args ?? [], e.env, e.stdin);

export async function peakRssArgs(bin: string, args: string[], env: Record<string, string> = {}, stdin = ''): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cni-bench-'));
  try {
    const out = join(dir, 'rss');
    await execa('/usr/bin/time', ['-f', '%M', '-o', out, bin, ...args], { env, extendEnv: false, input: stdin, reject: false });
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
  /** The floor (bare start of the embedded Node runtime) measured in the same run: ours / floor is shown. */
  floor?: number;
}

/**
 * CPU time (ms, user + system) of every child this process has reaped, their own reaped children
 * included: the kernel adds a process tree's CPU to its parent's cutime/cstime on wait().
 */
export function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5) (cutime, cstime), in clock ticks (100 Hz on Linux).
  return (Number(f[13]) + Number(f[14])) * 10;
}

export function printTable(rows: Row[]): void {
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  console.log(
    `${'operation'.padEnd(48)} ${'ours ms'.padStart(8)} ${'ref ms'.padStart(8)} ${'ratio'.padStart(6)} ${'×floor'.padStart(6)} ${'ours KiB'.padStart(9)} ${'ref KiB'.padStart(9)} runs`,
  );
  for (const r of rows) {
    const ratio = Number.isFinite(r.ref) && r.ref > 0 ? (r.ours / r.ref).toFixed(2) : '-';
    const floor = r.floor ? (r.ours / r.floor).toFixed(2) : '-';
    console.log(
      `${r.op.padEnd(48)} ${fmt(r.ours)} ${Number.isFinite(r.ref) ? fmt(r.ref) : '       -'} ${ratio.padStart(6)} ${floor.padStart(6)} ${String(r.oursRss ?? '-').padStart(9)} ${String(r.refRss ?? '-').padStart(9)} ${r.runs}`,
    );
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
    if (i % 2) {
      b.push(await ref());
      a.push(await ours());
    } else {
      a.push(await ours());
      b.push(await ref());
    }
  }
  return { ours: median(a), ref: median(b) };
}

export async function must(e: Exec): Promise<number> {
  const o = await timeExec(e);
  if (o.exitCode !== 0) throw new Error(`${e.bin} ${e.env.CNI_COMMAND} failed: ${o.stdout} ${o.stderr}`);
  return o.ms;
}

/** The rows as a Markdown table (the README's speed table is this, between its bench markers). */
/** Write `<dir>/<net>.conflist` (cniVersion 1.0.0) with these plugins; returns where cnitool finds it. */
export function writeConflist(dir: string, net: string, plugins: unknown[]): { dir: string; net: string } {
  writeFileSync(join(dir, `${net}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name: net, plugins }));
  return { dir, net };
}

export function markdownTable(rows: Row[]): string {
  const n = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const out = ['| operation | ours ms | Go ms | ours / Go | ours / floor | peak RSS ours / Go (MiB) |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const ratio = Number.isFinite(r.ref) && r.ref > 0 ? (r.ours / r.ref).toFixed(2) : '–';
    const floor = r.floor ? (r.ours / r.floor).toFixed(2) : '–';
    const rss = r.oursRss ? `${(r.oursRss / 1024).toFixed(0)} / ${r.refRss ? (r.refRss / 1024).toFixed(0) : '–'}` : '–';
    out.push(`| ${r.op} | ${n(r.ours)} | ${n(r.ref)} | ${ratio} | ${floor} | ${rss} |`);
  }
  return `${out.join('\n')}\n`;
}

/** Replace the README's table between `<!-- bench:start -->` and `<!-- bench:end -->`. */
export function updateReadme(file: string, table: string, note: string): boolean {
  const text = readFileSync(file, 'utf8');
  const re = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (!re.test(text)) return false;
  writeFileSync(file, text.replace(re, `$1${note}\n\n${table}$2`));
  return true;
}
