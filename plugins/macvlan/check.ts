import { checkAttachment } from '../../shared/cni/parent-link.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/** containernetworking/plugins `plugins/main/macvlan/macvlan.go` cmdCheck: the master and MTU, IPAM, the link's kind, mode and MAC, its addresses and routes. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  await checkAttachment(ctx, {
    ipamType: conf.ipamType,
    master: { master: conf.master, netns: ctx.env.netns, inContainer: conf.linkInContainer },
    mtu: conf.mtu,
    want: { kind: 'macvlan', mode: conf.mode },
  });
}
