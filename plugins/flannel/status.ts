// STATUS (spec 1.1): not ready while the subnet file is missing or unusable, since every ADD
// would fail (upstream has no STATUS: its skeleton answers success).
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { readSubnetEnv } from './subnet-env.ts';

export async function status(ctx: Ctx): Promise<void> {
  const c = loadConfig(ctx.raw, ctx.cniVersion);
  try {
    readSubnetEnv(c.subnetFile);
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, (e as Error).message);
  }
}
