// Kernel parameters under /proc/sys. The host's are read and written from this process (no child);
// a container's need a process inside its network namespace: one `sysctl -w` for all of them.
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from './exec.ts';
import { CniError, Code } from '../cni/errors.ts';

/** A key made of validated parts: no component may walk the tree or carry '='/white space. */
export function sysctlPath(...parts: string[]): string {
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || /[/=\s\x00-\x1f]/.test(p)) {
      throw new CniError(Code.Internal, `refusing to use ${JSON.stringify(p)} in a sysctl name`);
    }
  }
  return parts.join('/');
}

export function readHost(path: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Write a host sysctl; returns false when it could not be written (the caller decides if that matters). */
export function writeHost(path: string, value: string, onlyIfDifferent = true): boolean {
  if (onlyIfDifferent && readHost(path) === value) return true;
  try {
    writeFileSync(`/proc/sys/${path}`, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Set sysctls inside a network namespace in one process. `-e` ignores unknown keys (IPv6 disabled
 * in the kernel), so a missing knob is not fatal, as in the reference which ignores these errors.
 */
export async function writeInNetns(netns: string, settings: ReadonlyArray<readonly [string, string]>): Promise<void> {
  if (settings.length === 0) return;
  // Keys stay in the slash form: sysctl(8) then keeps dots inside interface names (eth0.5) intact.
  await run('sysctl', ['-q', '-e', '-w', ...settings.map(([k, v]) => `${k}=${v}`)], { netns, allowFail: true });
}
