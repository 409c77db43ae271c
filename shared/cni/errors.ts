// CNI error objects and the spec's well-known codes (spec "Section 5: Result Types", "Error").

export const Code = {
  Unknown: 0,
  IncompatibleCniVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetNS: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;

export class CniError extends Error {
  readonly code: number;
  readonly details: string;
  constructor(code: number, msg: string, details = '', options?: ErrorOptions) {
    super(msg, options);
    this.code = code;
    this.details = details;
  }

  /** The error object as printed on stdout (Go's types.Error shape, plus the protocol version). */
  toJSON(cniVersion?: string): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    if (cniVersion) o.cniVersion = cniVersion;
    o.code = this.code;
    o.msg = this.message;
    if (this.details) o.details = this.details;
    return o;
  }
}

/** Go's json.MarshalIndent with four spaces, no trailing newline, as skel prints. */
export const printJson = (o: unknown): string => JSON.stringify(o, null, 4);

/** Any thrown value as a CniError; plain errors become the catch-all code, as Go's skel does. */
export function asCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  if (e instanceof Error) return new CniError(Code.Internal, e.message);
  return new CniError(Code.Internal, String(e));
}

export const invalidConfig = (msg: string, details = '') => new CniError(Code.InvalidNetworkConfig, msg, details);

/** Prefix a message onto an error while keeping its code (like Go's fmt.Errorf("...: %w")). */
export function wrap(prefix: string, e: unknown): CniError {
  const c = asCniError(e);
  return new CniError(c.code, `${prefix}: ${c.message}`, c.details, { cause: e });
}

/**
 * Wait for every job, then fail with the first failure in list order: no job is left running
 * behind an error (an undo never races a step still at work), and the list order decides which
 * message wins. Resolves to the jobs' values.
 */
export async function settleAll<T>(jobs: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const rs = await Promise.allSettled(jobs);
  const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}
