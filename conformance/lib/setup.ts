// Vitest setupFiles entry for the conformance project (same module graph as
// the test file, so same RUN_PREFIX):
//  - before the file: sweep what killed earlier runs left behind;
//  - after the file: a cleanup safety net, even if it forgot useCleanup().

import { afterAll, beforeAll } from 'vitest';
import { cleanup } from './cleanup.ts';
import { releaseRunMarker } from './registry.ts';
import { sweepStale } from './stale-runs.ts';

beforeAll(async () => {
  const swept = await sweepStale();
  if (swept.length) console.warn(`swept leftovers of dead test runs: ${swept.join(', ')}`);
});

afterAll(async () => {
  const { errors } = await cleanup();
  if (errors.length) console.warn(`conformance cleanup errors:\n${errors.join('\n')}`);
  else releaseRunMarker();
});
