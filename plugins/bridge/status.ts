import { delegate, findInPath } from '../../shared/cni/ipam.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** Ready when an ADD could be served: the IPAM plugin is there and reports ready itself. */
export async function status(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  if (conf.ipamType === '') return;
  try {
    findInPath(conf.ipamType, ctx.env.path);
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, `IPAM plugin not available: ${(e as Error).message}`);
  }
  await delegate(ctx, conf.ipamType, 'STATUS');
}
