// Small per-attachment state files under /run/cni (tuning's saved link attributes, host-device's
// link state before ADD): read, written atomically (temp file + rename, so a killed ADD never leaves
// half a file), removed.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    writeFileSync(tmp, content, { mode: 0o600 });
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
