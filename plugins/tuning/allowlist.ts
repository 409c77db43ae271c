// The sysctl allowlist of upstream tuning.go (validateSysctlConf, added after 1.1.1, commit
// 96c3af81): when /etc/cni/tuning/allowlist.conf exists, every configured sysctl key must match
// one of its lines, each a regular expression matched anywhere in the key (Go regexp.MatchString).
import { readFileSync } from 'node:fs';
import { CniError, Code } from '../../shared/cni/errors.ts';

export const ALLOWLIST_FILE = '/etc/cni/tuning/allowlist.conf';

/** The patterns, or undefined when there is no allowlist (then every net.* key is allowed). */
export function readAllowlist(path = ALLOWLIST_FILE): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CniError(Code.IoFailure, `failed to read sysctl allowlist ${path}: ${(e as Error).message}`);
  }
  return parseAllowlist(text);
}

export const parseAllowlist = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/**
 * A Go (RE2) pattern as a JS RegExp. The common syntax is the same; a leading flag group such as
 * `(?i)`, which JS lacks, becomes RegExp flags.
 */
export function goRegExp(pattern: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  let flags = '';
  let body = pattern;
  if (m) {
    body = pattern.slice(m[0].length);
    flags = [...new Set(m[1]!.replace('U', ''))].join('');
  }
  try {
    return new RegExp(body, flags);
  } catch (e) {
    throw new CniError(Code.InvalidNetworkConfig, `sysctl allowlist: invalid pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

/** Throws for the first key no pattern matches, with the reference's message. */
export function assertAllowed(keys: readonly string[], patterns: readonly string[]): void {
  const res = patterns.map(goRegExp);
  for (const k of keys) {
    if (!res.some((r) => r.test(k))) {
      throw new CniError(Code.InvalidNetworkConfig, `Sysctl ${k} is not allowed. Only the following sysctls are allowed: [${patterns.join(' ')}]`);
    }
  }
}
