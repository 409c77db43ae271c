// An exclusive flock(2) on a file, interoperable with the Go plugins' lock on the same file.
// Node has no flock; flock(1) is handed our open file descriptor and locks it: the lock belongs to
// the open file description, so it stays ours after flock(1) exits, until we close the descriptor.
import { closeSync, openSync, constants } from 'node:fs';
import { CniError, Code } from '../cni/errors.ts';
import { loadExeca } from './exec.ts';

export interface Lock {
  /** The locked file's descriptor (to tell whether the path still names the file that is locked). */
  readonly fd: number;
  release(): void;
}

/** `create: false` locks only an existing file (a namespace path, which must never become a plain file). */
export async function lockFile(path: string, timeoutSeconds = 120, create = true): Promise<Lock> {
  let fd: number;
  try {
    // O_RDONLY|O_CREAT, mode 0750: what the reference creates (observed -rwxr-x---).
    fd = openSync(path, constants.O_RDONLY | (create ? constants.O_CREAT : 0), 0o750);
  } catch (e) {
    throw new CniError(Code.IoFailure, `failed to open lock file ${path}: ${(e as Error).message}`);
  }
  const execa = await loadExeca();
  const r = await execa('flock', ['--exclusive', '--wait', String(timeoutSeconds), '3'], {
    // execa's types omit numeric descriptors beyond stdio[2]; Node's spawn passes them through.
    stdio: ['ignore', 'ignore', 'pipe', fd as unknown as 'ignore'],
    reject: false,
  });
  if (r.exitCode !== 0) {
    closeSync(fd);
    if (r.exitCode === 1) throw new CniError(Code.TryAgainLater, `timed out after ${timeoutSeconds}s waiting for the lock on ${path}`);
    throw new CniError(Code.Internal, `failed to lock ${path}: ${String(r.stderr ?? r.message).trim()}`);
  }
  let held = true;
  return {
    fd,
    release() {
      if (held) closeSync(fd);
      held = false;
    },
  };
}
