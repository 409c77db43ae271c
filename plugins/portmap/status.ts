import { CniError, Code } from '../../shared/cni/errors.ts';
import { usable } from '../../shared/host/iptables.ts';
import { nftUsable } from '../../shared/host/nftables.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parsePortmapConf } from './config.ts';

/** Ready when the backend this configuration would use works on this host. */
export async function status(ctx: Ctx): Promise<void> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  if (conf.backend === 'nftables') {
    if (!(await nftUsable())) throw new CniError(Code.PluginNotAvailable, 'nftables backend requested but nft is not usable');
    return;
  }
  if (await usable(4)) return;
  if (conf.backend === undefined && (await nftUsable())) return;
  throw new CniError(
    Code.PluginNotAvailable,
    conf.backend === 'iptables' ? 'iptables backend requested but iptables is not usable' : 'neither iptables nor nftables is usable',
  );
}
