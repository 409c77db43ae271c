import { linkAndIpamDel } from '../../shared/cni/ipam.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { deleteContainerLink } from '../../shared/host/container-link.ts';
import { parseRaw } from './config.ts';

/** IPAM DEL and the link; nothing is looked up, so a gone master, namespace or link is no error. */
export async function del(ctx: Ctx): Promise<void> {
  const raw = parseRaw(ctx.raw);
  const { netns, ifname } = ctx.env;
  await settleAll(linkAndIpamDel(ctx, raw.ipam?.type ?? '', () => deleteContainerLink(netns, ifname)));
}
