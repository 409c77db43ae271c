// ADD (main.go cmdAdd, ifb_creator.go): shape what enters the container with TBF on the host
// veth, and what leaves it with TBF on an IFB that the host veth's ingress redirects to. Three
// rounds of processes: the two link reads, the IFB (`ip -batch`), the qdiscs and filter (`tc -batch`).
// Unlike the reference, a failure takes back everything this call made before it is reported.
import { assertNetns } from '../../shared/host/netns.ts';
import { ipBatch, parseLinks, planFailure } from '../../shared/host/iproute2.ts';
import { tcBatch, tcPlan, tickInUsec } from '../../shared/host/tc.ts';
import { line } from '../../shared/host/iproute2.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { isZero, parseBandwidthConf } from './config.ts';
import { findHostVeth } from './host.ts';
import { ifbAlias, ifbLines, ifbName, tcSteps, undoLines } from './plan.ts';
import { requirePrev } from './prev.ts';
import { prevResultOf } from '../../shared/cni/config.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const { env } = ctx;
  const conf = parseBandwidthConf(ctx.raw, tickInUsec());
  // Nothing to shape: prevResult passes through (also when there is none, as the reference prints it).
  if (isZero(conf)) return prevResultOf(conf.raw, ctx.cniVersion) ?? {};
  const prev = requirePrev(conf, ctx.cniVersion);
  assertNetns(env.netns);
  const host = await findHostVeth(env.netns, env.ifname, prev.interfaces ?? []);
  const egress = conf.egress.tbf;
  const ifb = ifbName(ctx.name, env.containerId);
  const result: Result = { ...prev, interfaces: [...(prev.interfaces ?? [])] };
  const delIfb = () => ipBatch([line('link', 'del', 'dev', ifb)], { allowFail: true });
  if (egress) {
    const plan = ifbLines(ifb, host.mtu, ifbAlias(ctx.name));
    const r = await ipBatch(
      plan.map((p) => p.line),
      { json: true, allowFail: true },
    );
    if (r.exitCode !== 0) {
      const f = planFailure(plan, r.stderr);
      // The first line failing means the IFB was not made by this call (it may be another's).
      if (f.index > 0) await delIfb();
      throw f.error;
    }
    const shown = parseLinks(r.outputs.at(-1) ?? [])[0];
    result.interfaces!.push({ name: ifb, ...(shown?.address ? { mac: shown.address } : {}) });
  }
  const steps = tcSteps(host.name, conf.ingress.tbf, egress, ifb);
  const failed = await tcPlan(steps);
  if (failed) {
    const undo = undoLines(steps, failed.index);
    await Promise.all([undo.length ? tcBatch(undo, { force: true }) : undefined, egress ? delIfb() : undefined]);
    throw failed.error;
  }
  return result;
}
