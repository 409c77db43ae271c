// DEL (main.go cmdDel): release the interface from the VRF and delete the VRF once no member is
// left. Success when the namespace, the VRF or the interface is gone.
import { netnsState } from '../../shared/host/netns.ts';
import { ipBatch, line, parseLinks } from '../../shared/host/iproute2.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseVrfConf } from './config.ts';
import { decideDel, delLines } from './plan.ts';

export async function del(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseVrfConf(ctx.raw);
  if (env.netns === '' || netnsState(env.netns) !== 'ok') return;
  const links = await ipBatch([line('link', 'show')], { netns: env.netns, json: true, details: true });
  const d = decideDel(parseLinks(links.outputs[0] ?? []), conf.vrfname, env.ifname);
  const lines = d ? delLines(d, conf.vrfname, env.ifname) : [];
  if (lines.length) await ipBatch(lines, { netns: env.netns });
}
