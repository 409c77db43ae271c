// sysctl names and values of the `sysctl` map: how tuning.go getSysctlFilename turns a key into a
// /proc/sys path (dots become slashes, then the first IFNAME becomes CNI_IFNAME), and what we
// refuse before any of it reaches sysctl(8).

import { invalidConfig } from '../../shared/cni/errors.ts';

/** tuning.go refuses anything that does not resolve under /proc/sys/net/. */
const NET_PREFIX = 'net/';

/**
 * Problems with a key as written in the config (before IFNAME substitution). Stricter than the
 * reference, which cleans the path with filepath.Join: we refuse `..`, `.` and empty components
 * outright instead of resolving them, and anything sysctl(8) would read as syntax.
 */
export function sysctlKeyProblem(key: string): string | undefined {
  if (key === '') return 'must not be empty';
  if (key.length > 4096) return 'is too long';
  if (/[\x00-\x1f\x7f]/.test(key)) return 'contains control characters (newline, NUL, …)';
  if (/\s/.test(key)) return 'contains white space';
  if (key.includes('=')) return 'contains "="';
  const parts = toPath(key).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'has an empty, "." or ".." component';
  if (parts[0] !== 'net' || parts.length < 2) return "is not a net.* sysctl (only the network namespace's own keys may be set)";
  return undefined;
}

/** Values go to sysctl(8) as `key=value`: one line, no control characters but tab. */
export function sysctlValueProblem(v: string): string | undefined {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) return 'contains control characters (newline, NUL, …)';
  if (v.length > 4096) return 'is too long';
  return undefined;
}

/** Dots to slashes, as getSysctlFilename does before substituting the interface name. */
const toPath = (key: string): string => key.replaceAll('.', '/');

/**
 * The key relative to /proc/sys in the slash form sysctl(8) takes literally (so an interface name
 * with dots, eth0.100, stays one component). Substitution after the dot conversion is upstream's
 * fix (commit 198ab129, after 1.1.1); 1.1.1 substituted first and broke dotted names.
 */
export function sysctlPathFor(key: string, ifname: string): string {
  const p = toPath(key).replace('IFNAME', ifname);
  // The substituted name was validated by skel (no '/'), so the path keeps its components.
  if (!p.startsWith(NET_PREFIX)) throw invalidConfig(`invalid net sysctl key: ${JSON.stringify(p)}`);
  return p;
}

/** The name sysctl(8) prints for a slash-form path: slashes and dots swapped. */
export const printedName = (path: string): string => path.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
