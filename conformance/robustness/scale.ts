import { appendFileSync } from 'node:fs';

// Short form (inside `npm test`) vs full form (`npm run soak`, SOAK=full): the same suites with
// counts scaled. Keep the short form well under 3 minutes on 2 shared cores.
export const FULL = process.env.SOAK === 'full';

export const SCALE = {
  /** Bad-input corpus: full = every case; short = every 5th ADD case and every 12th of the rest, per plugin
   * (SOAK=full runs them all). */
  corpusSample: FULL ? 1 : 12,
  corpusSampleAdd: FULL ? 1 : 5,
  /** Cases per before/after snapshot pair. */
  batch: 60,
  /** SIGKILL-during-ADD trials. */
  killTrials: FULL ? 60 : 12,
  /** Concurrent ADD/DEL processes on a fresh bridge. */
  concurrent: FULL ? 24 : 10,
  /** ADD/CHECK/DEL cycles and their parallelism (the short form took 275 s of the suite's 15 minutes at 100). */
  cycles: FULL ? 1000 : 48,
  parallel: 8,
};

/** Totals printed in the final summary (each suite adds its own). */
export function report(what: string, n: number | string): void {
  const line = `[robustness] ${what}: ${n}`;
  console.log(line);
  // soak.ts collects every file's lines for one final summary.
  if (process.env.ROBUSTNESS_SUMMARY) appendFileSync(process.env.ROBUSTNESS_SUMMARY, `${line}\n`);
}
