import { validAttachments } from '../../shared/cni/config.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parsePortmapConf } from './config.ts';
import { gcMappers } from './mapper.ts';

/**
 * Remove this network's rules of attachments not in cni.dev/valid-attachments. Without that key
 * nothing is known to be stale, so nothing is removed.
 */
export async function gc(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  const valid = validAttachments(conf.raw);
  if (valid === undefined) return;
  const keep = valid.map((a) => a.containerID);
  await Promise.all(gcMappers(conf).map((m) => m.gc(conf.name, keep)));
}
