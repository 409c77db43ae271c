// Network namespaces named by path (CNI_NETNS): /var/run/netns/x, /proc/PID/ns/net, ...
import { closeSync, constants, openSync, readFileSync, readlinkSync, statfsSync, statSync, type Stats } from 'node:fs';
import { CniError, Code } from '../cni/errors.ts';

const NSFS_MAGIC = 0x6e736673;

export type NetnsState = 'ok' | 'missing' | 'not-netns';

/** A file type that must never be opened as a namespace: opening a FIFO would block, a device could act. */
function specialType(st: Stats): string | undefined {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return undefined;
}

/**
 * The type of the namespace an nsfs file refers to ("net", "mnt", ...). Every namespace type
 * lives on nsfs, so the filesystem alone does not tell a network namespace. Opened through a
 * /proc magic link the fd reads back as "net:[inode]"; a bind mount (/run/netns/x) reads back as
 * its path, and then the mount table's root column names it ("net:[inode]"). Inode numbers are
 * unique across namespace types, so the inode finds the entry.
 */
function nsType(path: string, ino: number): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since stat, open must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const m = /^([a-z_]+):\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    if (m) return m[1];
  } catch {
    // no /proc: fall back to the mount table below
  } finally {
    closeSync(fd);
  }
  try {
    return new RegExp(` ([a-z_]+):\\[${ino}\\] `).exec(readFileSync('/proc/self/mountinfo', 'latin1'))?.[1];
  } catch {
    return undefined;
  }
}

type Inspection = { state: NetnsState; problem?: string };

/** One look at the path: stat, then (only for an nsfs file) the namespace type. */
function inspect(path: string): Inspection {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw new CniError(Code.Internal, `failed to open netns "${path}": ${(e as Error).message}`);
  }
  const special = specialType(st);
  if (special) return { state: 'not-netns', problem: `"${path}" is ${special}, not a network namespace` };
  if (!st.isFile() || statfsSync(path).type !== NSFS_MAGIC) return { state: 'not-netns' };
  const t = nsType(path, st.ino);
  if (t !== undefined && t !== 'net') return { state: 'not-netns', problem: `"${path}" is a ${t} namespace, not a network namespace` };
  return { state: 'ok' };
}

/**
 * What is wrong with a CNI_NETNS that exists but can never be a network namespace: another
 * namespace type, or a FIFO, socket or device. The skeleton checks it before any plugin touches
 * anything. Missing paths, plain files and directories are left to each plugin (DEL treats them
 * as gone, as it does a namespace that no longer exists).
 */
export function netnsProblem(path: string): string | undefined {
  try {
    return inspect(path).problem;
  } catch {
    return undefined; // unreadable: the plugin's own open reports it
  }
}

/** Whether the path names a live network namespace, without entering it. */
export function netnsState(path: string): NetnsState {
  return inspect(path).state;
}

export function assertNetns(path: string): void {
  const s = netnsState(path);
  if (s === 'missing') throw new CniError(Code.Internal, `failed to open netns "${path}": no such file or directory`);
  if (s === 'not-netns') throw new CniError(Code.Internal, `failed to open netns "${path}": not a network namespace`);
}

/**
 * True when the path is the namespace this plugin runs in (the host's). Go's skel reports this
 * after the work is done (code 8); we refuse before touching anything, so the host is never
 * treated as a container (DEL would take down the host's own loopback or eth0).
 */
export function isOwnNetns(path: string): boolean {
  try {
    const a = statSync(path);
    const b = statSync('/proc/self/ns/net');
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}
