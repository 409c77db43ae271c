// Unit-test helper: the CniError a call throws (the test fails when it throws none).
import type { CniError } from './errors.ts';

export function thrown(f: () => unknown): CniError {
  try {
    f();
  } catch (e) {
    return e as CniError;
  }
  throw new Error('no error');
}

/** What a call throws, as "<code>: <message>", so one assertion checks both. */
export function thrownText(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: number }).code}: ${(e as Error).message}`;
  }
  return 'no error';
}
