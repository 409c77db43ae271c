// CHECK: nothing, as upstream (flannel-io/cni-plugin `flannel.go` cmdCheck is a TODO returning nil).
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';

export async function check(ctx: Ctx): Promise<void> {
  loadConfig(ctx.raw, ctx.cniVersion);
}
