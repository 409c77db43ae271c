// sbr configuration: the keys of containernetworking/plugins `plugins/meta/sbr/main.go` (PluginConf:
// the generic keys and `table`), and prevResult as that plugin requires it.
import * as z from 'zod/mini';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';

export const SbrConfSchema = goObject({
  ...baseShape,
  // A routing table id: the kernel's are 32 bits, 0 is "unspecified".
  table: z.optional(int(1, 2 ** 32 - 1)),
});
export type SbrConf = z.infer<typeof SbrConfSchema>;

export const parseSbrConf = (raw: unknown): SbrConf => parseConfig(SbrConfSchema, raw, 'failed to parse network configuration');

/** prevResult, which ADD requires ("This plugin must be called as chained plugin"). */
export function requirePrev(c: SbrConf, cniVersion: string): Result {
  const prev = prevResultOf(c, cniVersion);
  if (!prev) throw new CniError(Code.Internal, 'This plugin must be called as chained plugin');
  return prev;
}
