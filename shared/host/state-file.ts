// A plugin's saved file under its data directory (tuning's saved link attributes, flannel's
// delegate configs): read (absent = undefined), written atomically and durably (temp file,
// fsync, rename; directory 0700, file 0600), removed (absent = done). Errors are code 5.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

export function writeState(dataDir: string, path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
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

export function removeState(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (e) {
    throw new CniError(Code.IoFailure, `failed to remove file ${path}: ${(e as Error).message}`);
  }
}
