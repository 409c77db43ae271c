import type { Ctx } from '../../shared/cni/skel.ts';
import { parsePortmapConf } from './config.ts';
import { mapperFor } from './mapper.ts';

/**
 * Remove everything of this container, found by its hash-named chain (iptables) or comment
 * (nftables): portMappings and the namespace are not needed. Returns nothing to do as success.
 */
export async function del(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  // Both families' tables are read: rules of either may be there, whatever prevResult says now.
  const mapper = await mapperFor(conf, [4, 6], 'any');
  await mapper.unforward(conf, ctx.env.containerId);
}
