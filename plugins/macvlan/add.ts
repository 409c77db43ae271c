import type { Result } from '../../shared/cni/result.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { attach } from '../../shared/cni/parent-link.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { macvlanSpec } from './plan.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  return attach(ctx, {
    master: { master: conf.master, netns, inContainer: conf.linkInContainer },
    mtu: conf.mtu,
    link: (master) => macvlanSpec(conf, netns, ifname, master),
    addresses: (undo) => (conf.ipamType !== '' ? ipamAdd(ctx, conf.ipamType, undo) : Promise.resolve(undefined)),
    dns: conf.raw.dns,
  });
}
