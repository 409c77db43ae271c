// Validation of every value that reaches a command line, a batch script, a ruleset or a file path.
import { CniError, Code } from './errors.ts';

/** The spec's pattern for container IDs and network names. */
export const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Linux interface name rules as libcni/skel applies them; returns the problem or undefined. */
export function ifnameProblem(name: string): string | undefined {
  if (name === '') return 'interface name is empty';
  if (Buffer.byteLength(name) > 15) return 'interface name is too long';
  if (name === '.' || name === '..') return 'interface name is . or ..';
  if (/[/:\s]/.test(name)) return 'interface name contains / or : or whitespace characters';
  // Not a kernel rule, but these would be read as syntax by ip -batch, nft or iptables-restore.
  if (/[\x00-\x1f\x7f"'\\#;{}$`*?]/.test(name)) return 'interface name contains a control, quote or shell/batch metacharacter';
  return undefined;
}

export function assertIfname(name: string, field: string, code: number = Code.InvalidNetworkConfig): void {
  const p = ifnameProblem(name);
  if (p) throw new CniError(code, `${field}: ${p}`, name);
}

export const isValidId = (s: string): boolean => ID_PATTERN.test(s);

/** Plugin type names are looked up in CNI_PATH: no separators, nothing that walks the tree. */
export function pluginTypeProblem(t: string): string | undefined {
  if (t === '') return 'no plugin name provided';
  if (/[/\\]/.test(t)) return `plugin type "${t}" must not contain a path separator`;
  if (t === '.' || t === '..') return `plugin type "${t}" is not a file name`;
  if (/[\x00-\x1f\x7f]/.test(t)) return 'plugin type contains control characters';
  return undefined;
}

/** An absolute file system path without control characters or `..` components. */
export function pathProblem(p: string): string | undefined {
  if (p === '') return 'must not be empty';
  if (!p.startsWith('/')) return `"${p}" is not an absolute path`;
  if (/[\x00-\x1f\x7f]/.test(p)) return 'contains control characters';
  if (p.split('/').includes('..')) return `"${p}" must not contain ".." components`;
  return undefined;
}

/**
 * A token for an `ip -batch` line. iproute2 splits batch lines on white space and reads quotes,
 * backslashes and `#`; a token is never allowed to carry any of them.
 */
export function batchToken(t: string | number): string {
  const s = String(t);
  if (s === '' || /[\s"'\\#\x00-\x1f\x7f]/.test(s)) {
    throw new CniError(Code.Internal, `refusing to put ${JSON.stringify(s)} into an ip batch script`);
  }
  return s;
}
