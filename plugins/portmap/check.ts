import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { containerIps, parsePortmapConf } from './config.ts';
import { mapperFor } from './mapper.ts';

/** This container's chains and rules must exist, for each family it has an IP of. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  if (!conf.prevResult) throw new CniError(Code.Internal, 'Required prevResult missing');
  if (conf.mappings.length === 0) return;
  const cips = containerIps(conf.prevResult, ctx.env.ifname);
  if (cips.length === 0) return;
  const mapper = await mapperFor(
    conf,
    cips.map((c) => c.family),
  );
  await mapper.check(conf, ctx.env.containerId, cips);
}
