import { checkAttachment } from '../../shared/cni/parent-link.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import { parseMode, parseRaw } from './config.ts';

/**
 * containernetworking/plugins `plugins/main/ipvlan/ipvlan.go` cmdCheck: the master, IPAM, the link's
 * kind, mode and MAC, its addresses and routes. prevResult here is the ipvlan's own result, so an
 * omitted master is the default route's interface when there is IPAM, and unknown when chained
 * (the reference then looks up a link named "" and fails).
 */
export async function check(ctx: Ctx): Promise<void> {
  const raw = parseRaw(ctx.raw);
  const master = raw.master ?? '';
  if (master !== '') assertIfname(master, 'master');
  const ipamType = raw.ipam?.type ?? '';
  const known = master !== '' || ipamType !== '';
  await checkAttachment(ctx, {
    ipamType,
    ...(known ? { master: { master, netns: ctx.env.netns, inContainer: raw.linkInContainer ?? false } } : {}),
    mtu: raw.mtu ?? 0,
    want: { kind: 'ipvlan', mode: parseMode(raw.mode) },
  });
}
