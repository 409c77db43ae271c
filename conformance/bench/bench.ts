// npm run bench: our executables against the Go reference in one run, interleaved, medians.
import { existsSync, writeFileSync } from 'node:fs';
import { env, interleave, median, must, netnsAdd, netnsDel, OURS, peakRssKiB, prefix, printTable, REF, RUNS, type Exec, type Row } from './measure.ts';
import { extraSuites } from './suites.ts';


async function loopback(rows: Row[]): Promise<void> {
  const ver = (dir: string): Exec => ({ bin: `${dir}/loopback`, env: env('VERSION'), stdin: '{"cniVersion":"1.1.0"}' });
  const v = await interleave(RUNS, () => must(ver(OURS)), () => must(ver(REF)));
  rows.push({ op: 'loopback VERSION', ...v, oursRss: await peakRssKiB(ver(OURS)), refRss: await peakRssKiB(ver(REF)), runs: RUNS });

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
      const order: Array<['ours' | 'ref', string]> = i % 2 ? [['ref', REF], ['ours', OURS]] : [['ours', OURS], ['ref', REF]];
      for (const [who, dir] of order) {
        addMs[who].push(await must(call(dir, 'ADD')));
        delMs[who].push(await must(call(dir, 'DEL')));
      }
    }
    rows.push({ op: 'loopback ADD', ours: median(addMs.ours), ref: median(addMs.ref), oursRss: await peakRssKiB(call(OURS, 'ADD')), refRss: await peakRssKiB(call(REF, 'ADD')), runs: RUNS });
    rows.push({ op: 'loopback DEL', ours: median(delMs.ours), ref: median(delMs.ref), oursRss: await peakRssKiB(call(OURS, 'DEL')), refRss: await peakRssKiB(call(REF, 'DEL')), runs: RUNS });
  } finally {
    await netnsDel(ns);
  }
}

async function main(): Promise<void> {
  if (!existsSync(`${OURS}/loopback`)) throw new Error('dist/bin is missing: run `npm run build` first');
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  const suites: Record<string, (rows: Row[]) => Promise<void>> = { loopback, ...extraSuites };
  for (const [name, fn] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    await fn(rows);
  }
  console.log(`\nmedians of ${RUNS} interleaved runs (ratio = ours / reference; KiB = peak RSS of one run)\n`);
  printTable(rows);
  writeFileSync('dist/bench.json', JSON.stringify(rows, null, 2));
}

if (import.meta.main) await main();
