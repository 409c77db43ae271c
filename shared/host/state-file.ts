// A plugin's saved file under its data directory (tuning's saved link attributes, flannel's
// delegate configs, host-device's link state before ADD): read (absent = undefined), written atomically and durably (temp file,
// fsync, rename; directory 0700, file 0600), removed (absent = done). Errors are code 5.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CniError, Code } from '../cni/errors.ts';

/** The file's content, or undefined when there is none. */
export function readState(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CniError(Code.IoFailure, `failed to open file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/** A writer's temp file beside the file: `<file>.tmp-<pid>`. */
const tmpPrefix = (path: string): string => `${basename(path)}.tmp-`;

export function writeState(dataDir: string, path: string, content: string): void {
  const tmp = join(dirname(path), `${tmpPrefix(path)}${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CniError(Code.IoFailure, `failed to save file ${path}: ${(e as Error).message}`);
  }
}

/**
 * Remove the file (absent = done) and the temp files of writers that are no longer running: a
 * writer killed between its open and its rename (SIGKILL during ADD) leaves `<file>.tmp-<pid>`.
 */
export function removeState(path: string): void {
  try {
    rmSync(path, { force: true });
    removeOrphanTemps(path);
  } catch (e) {
    throw new CniError(Code.IoFailure, `failed to remove file ${path}: ${(e as Error).message}`);
  }
}

function removeOrphanTemps(path: string): void {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return; // no directory: nothing was ever written
  }
  const prefix = tmpPrefix(path);
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    // A writer still running (another call on the same attachment) keeps its file.
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && existsSync(`/proc/${pid}`)) continue;
    rmSync(join(dirname(path), n), { force: true });
  }
}
