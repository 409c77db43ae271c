import type { Result } from '../../shared/cni/result.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { attach } from '../../shared/cni/parent-link.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { addressSource, loadConf } from './config.ts';
import { ipvlanSpec } from './plan.ts';

/** As macvlan's; unlike the reference (the kernel's "invalid argument"), an MTU above the master's is a config error. */
export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw, ctx.cniVersion);
  const source = addressSource(conf);
  const { netns, ifname } = ctx.env;
  return attach(ctx, {
    master: { master: conf.master, netns, inContainer: conf.linkInContainer },
    mtu: conf.mtu,
    link: (master) => ipvlanSpec(conf, netns, ifname, master),
    addresses: (undo) => (source === 'ipam' ? ipamAdd(ctx, conf.ipamType, undo) : Promise.resolve(conf.prev)),
    dns: conf.raw.dns,
  });
}
