// Paths outside a podman's temp dir that podman (or its runtime) creates on first use and never
// removes. They are shared by every podman on the host, so they go only once no podman of ours
// can still be using them: at the end of the test run (global-setup.ts) when one is running,
// else (the bench, one podman at a time) at that podman's own cleanup. Removing them at one test
// file's cleanup broke another file's podman running beside it.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';

export const FIRST_USE_PATHS = ['/var/lib/containers', '/run/runc', '/run/crun', '/dev/shm/libpod_lock'];

/** Set by the test run's global setup: the paths that existed before it, joined by ":". */
const RUN_ENV = 'CNI_TS_PODMAN_PREEXISTING';

export const existingFirstUsePaths = (): string[] => FIRST_USE_PATHS.filter((p) => existsSync(p));

/** The test run owns the removal (global-setup.ts), not each podman. */
export const runOwnsFirstUse = (): boolean => process.env[RUN_ENV] !== undefined;

export function claimFirstUseForRun(): void {
  process.env[RUN_ENV] = existingFirstUsePaths().join(':');
}

/** Remove the paths not in `preexisting`; returns the failures. */
export async function removeFirstUse(preexisting: ReadonlySet<string>): Promise<string[]> {
  const errors: string[] = [];
  for (const path of FIRST_USE_PATHS) {
    if (!preexisting.has(path)) await rm(path, { recursive: true, force: true }).catch((e: Error) => errors.push(`rm ${path}: ${e.message}`));
  }
  return errors;
}

/** At the end of the test run: what the run's podmans created. */
export const removeFirstUseOfRun = (): Promise<string[]> => removeFirstUse(new Set((process.env[RUN_ENV] ?? '').split(':').filter(Boolean)));
