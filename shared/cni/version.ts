// Spec versions this project serves, and the checks skel applies to a config's cniVersion.
import { CniError, Code } from './errors.ts';

export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const CURRENT_VERSION = '1.1.0';

/** Up to three dot-separated integers; "" means 0.1.0 (libcni ParseVersion). */
export function parseVersion(v: string): [number, number, number] {
  if (v === '') return [0, 1, 0];
  const parts = v.split('.');
  if (parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new CniError(Code.DecodingFailure, `invalid version "${v}": expected up to three dot-separated integers`);
  }
  const n = parts.map(Number);
  return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0];
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) if (x[i]! !== y[i]!) return x[i]! - y[i]!;
  return 0;
}

export const atLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;

/** Which result family a version belongs to: the legacy ip4/ip6 shape, the 0.3–0.4 shape, or 1.x. */
export type ResultFamily = '0.2' | '0.4' | '1.x';
export function resultFamily(v: string): ResultFamily | undefined {
  switch (v === '' ? '0.1.0' : v) {
    case '0.1.0':
    case '0.2.0':
      return '0.2';
    case '0.3.0':
    case '0.3.1':
    case '0.4.0':
      return '0.4';
    case '1.0.0':
    case '1.1.0':
      return '1.x';
    default:
      return undefined;
  }
}

export function assertSupported(v: string): void {
  const eff = v === '' ? '0.1.0' : v;
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(eff)) {
    const list = SUPPORTED_VERSIONS.map((s) => JSON.stringify(s)).join(' ');
    throw new CniError(Code.IncompatibleCniVersion, 'incompatible CNI versions', `config is "${v}", plugin supports [${list}]`);
  }
}

/** The minimum config version for verbs that did not exist in early specs. */
export const MIN_VERSION: Record<string, string> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' };

/**
 * Results before 0.3.0 carry one address per family. The IPAM plugins ask libcni's
 * GreaterThanOrEqualTo and read its error (an empty or malformed version) as "no".
 */
export function allowsManyPerFamily(v: string): boolean {
  try {
    return v !== '' && atLeast(v, '0.3.0');
  } catch {
    return false;
  }
}
