// prevResult as cmdAdd/cmdCheck require it (a chained plugin: "must be called as chained plugin").
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { BandwidthConf } from './config.ts';

export function requirePrev(c: BandwidthConf, cniVersion: string, msg = 'must be called as chained plugin'): Result {
  const prev = prevResultOf(c.raw, cniVersion);
  if (!prev) throw new CniError(Code.Internal, msg);
  return prev;
}
