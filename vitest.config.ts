import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and conformance tests that drive real
// plugins against the kernel (root, netns, iptables). 2 cores → 2 workers.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'plugins/**/*.test.ts', 'ipam/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'conformance',
          include: ['conformance/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'dist/**'],
          // Child processes + kernel state: separate processes, not threads,
          // so a crashed/hung file cannot take the others' cleanup with it.
          pool: 'forks',
          // Each file gets its own RUN_PREFIX (fresh module graph per file),
          // so files can run side by side without touching each other's objects.
          isolate: true,
          fileParallelism: true,
          maxWorkers: 2,
          // Registers a file-level cleanup safety net (conformance/lib/setup.ts).
          setupFiles: ['conformance/lib/setup.ts'],
          // Once per run: shared firewall scaffolding the run created is removed at the end.
          globalSetup: ['conformance/lib/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
