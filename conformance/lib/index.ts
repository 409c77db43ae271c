// Conformance harness entry point: `import { … } from "./lib/index.ts"`.
// Vitest hooks (useCleanup) live in ./lib/hooks.ts so plain Node scripts can
// import this file without pulling in vitest.
export * from './names.ts';
export * from './exec.ts';
export * from './lock.ts';
export * from './kernel.ts';
export * from './registry.ts';
export * from './netns.ts';
export * from './cleanup.ts';
export * from './stale-runs.ts';
export * from './plugin.ts';
export * from './cnitool.ts';
export * from './host-state.ts';
