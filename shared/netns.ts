// Network namespaces named by path (CNI_NETNS): /var/run/netns/x, /proc/PID/ns/net, ...
import { statfsSync, statSync } from 'node:fs';
import { CniError, Code } from './errors.ts';

const NSFS_MAGIC = 0x6e736673;

export type NetnsState = 'ok' | 'missing' | 'not-netns';

/** Whether the path names a live network namespace (an nsfs file), without entering it. */
export function netnsState(path: string): NetnsState {
  try {
    return statfsSync(path).type === NSFS_MAGIC ? 'ok' : 'not-netns';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new CniError(Code.Internal, `failed to open netns "${path}": ${(e as Error).message}`);
  }
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
