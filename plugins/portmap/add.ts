import { flushUdpPorts } from '../../shared/host/conntrack.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { containerIps, parsePortmapConf, requirePrev } from './config.ts';
import { mapperFor, udpPorts } from './mapper.ts';
import { enableRouteLocalnet, routeDev } from './localnet.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = parsePortmapConf(ctx.raw, ctx.cniVersion);
  const prev = requirePrev(conf);
  // Nothing to publish: no process at all.
  if (conf.mappings.length === 0) return prev;
  const cips = containerIps(prev, ctx.env.ifname);
  if (cips.length === 0) return prev;
  const v4 = cips.find((c) => c.family === 4);

  // Reads run side by side: the nat tables (unless nftables was asked for) and the route lookup.
  const [mapper, dev] = await Promise.all([
    mapperFor(
      conf,
      cips.map((c) => c.family),
    ),
    conf.snat && v4 ? routeDev(v4.ip) : Promise.resolve(undefined),
  ]);
  await mapper.forward(conf, ctx.env.containerId, cips);
  await Promise.all(cips.map((c) => flushUdpPorts(c.family, udpPorts(conf))));
  if (dev) enableRouteLocalnet(dev);
  return prev;
}
