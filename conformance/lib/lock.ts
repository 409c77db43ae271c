// Cross-process host lock, so "host exactly as before" checks are meaningful
// while other conformance files mutate the host in parallel workers.
//
// Every harness call that mutates host state (runPlugin, cnitool, cleanup)
// holds the lock *shared*; exclusiveHost() holds it *exclusively*, so between
// its before/after snapshots no other worker's plugin runs. flock(1) from
// util-linux does the locking; a `flock <file> cat` child holds the lock for
// as long as we keep its stdin open (cat only starts once the lock is held,
// so its echo tells us we own it). Re-entrant within one process.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const HOST_LOCK_FILE = '/run/lock/cni-ts-host.lock';

let exclusiveDepth = 0;
let sharedDepth = 0;
let sharedHolder: Promise<() => Promise<void>> | undefined;

async function acquire(mode: 'shared' | 'exclusive'): Promise<() => Promise<void>> {
  mkdirSync(dirname(HOST_LOCK_FILE), { recursive: true }); // flock creates the file, not the dir
  const child: ResultPromise = execa('flock', [mode === 'shared' ? '--shared' : '--exclusive', '--timeout', '120', HOST_LOCK_FILE, 'cat'], {
    reject: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
  });
  await new Promise<void>((resolve, reject) => {
    let locked = false;
    child.stdout!.once('data', () => {
      locked = true;
      resolve();
    });
    // The child only ends before echoing if flock failed (timeout, bad path).
    void child.then((r) => {
      if (!locked) reject(new Error(`flock ${mode} ${HOST_LOCK_FILE} failed (exit ${r.exitCode}): ${String(r.stderr ?? '')}`));
    });
    child.stdin!.write('x\n');
  });
  return async () => {
    child.stdin!.end();
    await child;
  };
}

/** Run fn while holding the host lock shared (no-op if this process already holds it). */
export async function withSharedHost<T>(fn: () => Promise<T>): Promise<T> {
  // CNI_TS_NO_HOST_LOCK=1: skip the extra flock process (e.g. for timing runs).
  if (exclusiveDepth > 0 || process.env.CNI_TS_NO_HOST_LOCK === '1') return fn();
  // One holder process per worker, reference-counted: cheap under concurrency.
  if (sharedDepth++ === 0) sharedHolder = acquire('shared');
  const holder = sharedHolder!;
  try {
    await holder;
    return await fn();
  } finally {
    if (--sharedDepth === 0) {
      sharedHolder = undefined;
      await holder.then((release) => release()).catch(() => undefined);
    }
  }
}

/**
 * Run fn with the host to ourselves (as far as harness-driven mutations go).
 * Use for before/after host-state snapshots. Must not be nested inside
 * withSharedHost() in the same process (it would deadlock on our own lock).
 */
export async function exclusiveHost<T>(fn: () => Promise<T>): Promise<T> {
  if (exclusiveDepth > 0) return fn();
  if (sharedDepth > 0) throw new Error('exclusiveHost() called while this process holds the shared host lock');
  const release = await acquire('exclusive');
  exclusiveDepth++;
  try {
    return await fn();
  } finally {
    exclusiveDepth--;
    await release().catch(() => undefined);
  }
}
