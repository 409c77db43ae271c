// Vitest wiring: register cleanup so it runs even when a test fails or times
// out, and fail loudly if anything carrying the run prefix survives.

import { afterAll, afterEach, expect } from 'vitest';
import { cleanup, leftovers } from './cleanup.ts';

export interface CleanupHookOptions {
  /** Clean after every test (default) or only after the whole file. */
  scope?: 'each' | 'all';
  /** After the file, assert nothing with the run prefix is left (default true). */
  assertClean?: boolean;
}

export function useCleanup(opts: CleanupHookOptions = {}): void {
  const scope = opts.scope ?? 'each';
  if (scope === 'each') {
    afterEach(async () => {
      const { errors } = await cleanup();
      if (errors.length) console.warn(`cleanup errors:\n${errors.join('\n')}`);
    });
  }
  afterAll(async () => {
    const { errors } = await cleanup();
    if (opts.assertClean ?? true) {
      expect(errors, 'cleanup errors').toEqual([]);
      expect(await leftovers(), 'objects with the run prefix left on the host').toEqual([]);
    }
  });
}
