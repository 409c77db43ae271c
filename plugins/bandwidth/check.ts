// CHECK (main.go cmdCheck): the TBF on the host veth and on the IFB must carry the config's rate,
// limit and buffer; the host veth's ingress must redirect to the IFB. With no rates configured
// there is nothing to compare (the reference 1.1.1 dereferences nil there and crashes).
import { assertNetns } from '../../shared/host/netns.ts';
import { line } from '../../shared/host/iproute2.ts';
import { parseQdiscs, tcBatch, tickInUsec } from '../../shared/host/tc.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { isZero, parseBandwidthConf } from './config.ts';
import { findHostVeth } from './host.ts';
import { ifbName, redirectsTo, tbfProblem } from './plan.ts';
import { requirePrev } from './prev.ts';

export async function check(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseBandwidthConf(ctx.raw, tickInUsec());
  const prev = requirePrev(conf, ctx.cniVersion, 'must be called as a chained plugin');
  assertNetns(env.netns);
  const host = await findHostVeth(env.netns, env.ifname, prev.interfaces ?? []);
  if (isZero(conf)) return;
  const ingress = conf.ingress.tbf;
  const egress = conf.egress.tbf;
  const ifb = ifbName(ctx.name, env.containerId);
  const lines = [
    ...(ingress ? [line('qdisc', 'show', 'dev', host.name)] : []),
    ...(egress ? [line('qdisc', 'show', 'dev', ifb), line('filter', 'show', 'dev', host.name, 'ingress')] : []),
  ];
  const r = await tcBatch(lines, { json: true, raw: true });
  if (r.exitCode !== 0) throw new CniError(Code.Internal, `get ifb device: ${r.stderr.trim().split('\n')[0]}`);
  const out = [...r.outputs];
  const problems: Array<string | undefined> = [];
  if (ingress) problems.push(tbfProblem(parseQdiscs(out.shift() ?? []), ingress, host.name));
  if (egress) {
    problems.push(tbfProblem(parseQdiscs(out.shift() ?? []), egress, ifb));
    if (!redirectsTo(out.shift() ?? [], ifb)) problems.push(`no filter on ${host.name} redirects its ingress to ${ifb}`);
  }
  const p = problems.find((x) => x !== undefined);
  if (p) throw new CniError(Code.Internal, p);
}
