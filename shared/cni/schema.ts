// zod helpers that decode JSON the way the Go plugins do, with error messages that name the field.
// zod/mini, not classic zod: classic attaches dozens of method closures to every schema instance,
// which every call that loads a plugin builds again at start-up.
import * as z from 'zod/mini';
// The English locale alone: z.locales would bundle every language.
import en from 'zod/v4/locales/en.js';
import { CniError, Code } from './errors.ts';

// zod compiles a fast path (new Function) for each object schema on its first parse; a plugin
// process parses each schema about once, so the compilation is pure start-up cost.
// zod/mini loads no locale: the English one gives the default messages classic zod gives.
z.config({ jitless: true, ...en() });

/**
 * Go's encoding/json matches object keys to struct fields without regard to case (an exact match
 * wins) and treats `null` as "leave unset"; runtimes rely on both (containerd sends `HostPort`).
 * Known keys are renamed to their canonical spelling, later duplicates win as in Go, and unknown
 * keys are kept so that chained plugins can pass the config through.
 */
export function goKeys(input: unknown, keys: readonly string[]): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const byLower = new Map<string, string>();
  for (const k of keys) byLower.set(k.toLowerCase(), k);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const canonical = keys.includes(k) ? k : (byLower.get(k.toLowerCase()) ?? k);
    if (v === null) continue;
    out[canonical] = v;
  }
  return out;
}

/** A JSON object decoded like a Go struct: case-insensitive keys, null = unset, unknown keys kept. */
export function goObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const keys = Object.keys(shape);
  return z.pipe(
    z.transform((v: unknown) => goKeys(v, keys)),
    z.looseObject(shape),
  );
}

/** A JSON object decoded like a Go struct but with unknown keys dropped (for nested value types). */
export function goStruct<T extends z.core.$ZodLooseShape>(shape: T) {
  const keys = Object.keys(shape);
  return z.pipe(
    z.transform((v: unknown) => goKeys(v, keys)),
    z.object(shape),
  );
}

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s;
}

/** One line per problem, each starting with the field's path: "ipam.ranges[0][0].subnet: ...". */
export function describeIssues(err: z.core.$ZodError, prefix = ''): string {
  return err.issues
    .map((i) => {
      const p = pathString([...(prefix ? [prefix] : []), ...i.path]);
      return p ? `${p}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parse with a schema; failures become code 7 (invalid network config) naming each field. */
export function parseConfig<S extends z.ZodMiniType>(schema: S, input: unknown, what = 'invalid network configuration', prefix = ''): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new CniError(Code.InvalidNetworkConfig, `${what}: ${describeIssues(r.error, prefix)}`);
  return r.data;
}

/** Go's uint/int fields: whole numbers only. */
export const int = (min?: number, max?: number) => {
  let s = z.number().check(z.int('must be a whole number'));
  if (min !== undefined) s = s.check(z.minimum(min, `must be at least ${min}`));
  if (max !== undefined) s = s.check(z.maximum(max, `must be at most ${max}`));
  return s;
};
