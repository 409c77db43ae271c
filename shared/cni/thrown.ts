// For unit tests: what a call throws, as "<code>: <message>", so one assertion checks both.

export function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: number }).code}: ${(e as Error).message}`;
  }
  return 'no error';
}
