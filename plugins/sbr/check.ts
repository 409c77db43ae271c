// CHECK: the reference's is a no-op. Ours checks what ADD made: each address of the interface in
// prevResult has a rule sending it to a table (to `table`, when set).
import { assertNetns } from '../../shared/host/netns.ts';
import { parseIp } from '../../shared/host/addr.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseSbrConf, requirePrev } from './config.ts';
import { ipsOf } from './plan.ts';
import { readState } from './netns.ts';

export async function check(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseSbrConf(ctx.raw);
  const ips = ipsOf(requirePrev(conf, ctx.cniVersion), env.ifname);
  assertNetns(env.netns);
  const st = await readState(env.netns, env.ifname);
  for (const ip of ips) {
    const want = ip.addr.ip.toString();
    const rule = st[ip.family].rules.find((r) => r.src && parseIp(r.src)?.toString() === want && (conf.table === undefined || Number(r.table) === conf.table));
    if (!rule) throw new CniError(Code.Internal, `no rule routes traffic from ${want}${conf.table !== undefined ? ` through table ${conf.table}` : ''}`);
  }
}
