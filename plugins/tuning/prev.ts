// prevResult as cmdAdd/cmdCheck require it: present (a key with a non-null value), then parsed.
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { TuningConf } from './config.ts';

export function requirePrev(c: TuningConf, cniVersion: string): Result {
  if (c.raw.prevResult === undefined) throw new CniError(Code.Internal, 'Required prevResult missing');
  // `{}` is a prevResult (the reference prints it back as an empty result).
  return prevResultOf(c.raw, cniVersion) ?? {};
}
