import type { Ctx } from '../../shared/cni/skel.ts';
import { linkAndIpamDel } from '../../shared/cni/ipam.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import { deleteContainerLink } from '../../shared/host/container-link.ts';
import { loadConf } from './config.ts';

/** IPAM DEL and the tap's deletion; a gone namespace or tap is not an error (tap.go cmdDel). */
export async function del(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args, true);
  const { netns, ifname } = ctx.env;
  await settleAll(linkAndIpamDel(ctx, conf.ipamType, () => deleteContainerLink(netns, ifname)));
}
