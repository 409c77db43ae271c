// `npm run soak`: the robustness suites in their full form (whole bad-input corpus, 60 SIGKILL
// trials, 1,000 ADD/CHECK/DEL cycles): the same tests as the CI short form, counts scaled by
// SOAK=full. Ends with one summary of what was run (cases, trials, cycles, medians).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const summary = join(tmpdir(), `cni-ts-robustness-summary-${process.pid}`);
// Our own Node (24) runs vitest: the system node may be older.
const r = spawnSync(
  process.execPath,
  [
    resolve(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--project',
    'conformance',
    'conformance/robustness',
    // One file at a time: the soak's timings (drift) are then its own, not its neighbours'.
    '--no-file-parallelism',
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SOAK: process.env.SOAK ?? 'full', ROBUSTNESS_SUMMARY: summary },
  },
);
let lines = '';
try {
  lines = readFileSync(summary, 'utf8');
  rmSync(summary);
} catch {
  /* no suite got far enough to report */
}
console.log(`\n=== robustness summary (${r.status === 0 ? 'PASS' : 'FAIL'}) ===\n${lines || '(nothing reported)\n'}`);
process.exit(r.status ?? 1);
