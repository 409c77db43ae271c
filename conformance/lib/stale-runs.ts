// Sweeping after killed runs: a run that was SIGKILLed never cleans up, and its objects could
// collide with later runs' fixed test subnets. Each run leaves a marker (registry.ts); the
// prefixes whose process is gone are cleaned here.
import { readFileSync, unlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withSharedHost } from './lock.ts';
import { RUN_PREFIX } from './names.ts';
import { cleanupPrefix } from './cleanup.ts';
import { RUNS_DIR, emptyRegistry, procStartTime } from './registry.ts';

/** Clean up after runs whose process no longer exists. Returns the prefixes swept. */
export async function sweepStale(): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(RUNS_DIR);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const prefix of entries) {
    if (prefix === RUN_PREFIX || !/^c[g-z][0-9a-z]{4}$/.test(prefix)) continue;
    let pid = 0;
    let start = '';
    try {
      [pid, start] = ((l) => [Number(l[0]), l[1] ?? ''] as [number, string])(readFileSync(join(RUNS_DIR, prefix), 'utf8').trim().split(' '));
    } catch {
      continue;
    }
    const alive = pid > 0 && procStartTime(pid) !== undefined && procStartTime(pid) === start;
    if (alive) continue;
    const { errors } = await withSharedHost(() => cleanupPrefix(prefix, emptyRegistry()));
    if (errors.length === 0) {
      try {
        unlinkSync(join(RUNS_DIR, prefix));
      } catch {
        /* another worker swept it too */
      }
    }
    swept.push(prefix);
  }
  return swept;
}
