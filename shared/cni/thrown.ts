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
