// ADD (main.go cmdAdd, vrf.go addInterface): decide from one read of the namespace, create or reuse
// the VRF and enslave the interface (one `ip -batch`), put back the global IPv6 addresses the
// kernel dropped and wait for them, then move the interface's routes into the VRF's table.
// A failure undoes the enslavement and a VRF this call created.
import { assertNetns } from '../../shared/host/netns.ts';
import { ipBatch, line, parseLinks, parseRoutes, planFailure } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseVrfConf, requirePrev } from './config.ts';
import { addrsSettled, decideAdd, droppedAddrs, enslaveSteps, routeLines } from './plan.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function add(ctx: Ctx): Promise<Result> {
  const { env } = ctx;
  const conf = parseVrfConf(ctx.raw);
  const prev = requirePrev(conf, ctx.cniVersion);
  assertNetns(env.netns);
  const ns = env.netns;
  const ifn = env.ifname;
  const read = (lines: string[], family?: 4 | 6) => ipBatch(lines, { netns: ns, json: true, numeric: true, allowFail: true, ...(family ? { family } : {}) });
  const [links, before, routes4] = await Promise.all([
    ipBatch([line('link', 'show')], { netns: ns, json: true, details: true }),
    read([line('addr', 'show', 'dev', ifn, 'scope', 'global'), line('route', 'show', 'table', 'main', 'dev', ifn)], 6),
    read([line('route', 'show', 'table', 'main', 'dev', ifn)], 4),
  ]);
  const d = decideAdd(parseLinks(links.outputs[0] ?? []), conf.vrfname, conf.table, ifn);
  const addrsOf = (out: unknown[] | undefined) => (parseLinks(out ?? [])[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  const v6Before = addrsOf(before.outputs[0]);
  const saved = [...parseRoutes(routes4.outputs[0] ?? []), ...parseRoutes(before.outputs[1] ?? [])];

  const steps = enslaveSteps(d, conf.vrfname, ifn);
  const r = await ipBatch(
    steps.map((s) => s.line),
    { netns: ns, allowFail: true },
  );
  const undo = async (ran: number) => {
    const lines = steps
      .slice(0, ran)
      .map((s) => s.undo)
      .filter(Boolean)
      .reverse();
    if (lines.length) await ipBatch(lines, { netns: ns, force: true, allowFail: true });
  };
  if (r.exitCode !== 0) {
    const f = planFailure(steps, r.stderr);
    await undo(Math.max(0, f.index));
    throw new CniError(Code.Internal, `cmdAdd failed: ${f.error.message}`);
  }
  try {
    const after = await ipBatch([line('addr', 'show', 'dev', ifn, 'scope', 'global')], { netns: ns, json: true, family: 6 });
    const dropped = droppedAddrs(v6Before, addrsOf(after.outputs[0]));
    if (dropped.length) {
      await ipBatch(
        dropped.map((a) => line('addr', 'add', a, 'dev', ifn)),
        { netns: ns },
      );
      // As the reference: wait for each address's local route in the VRF's table, 10 ms doubling, 8 retries.
      for (let i = 0; ; i++) {
        const vr = await ipBatch([line('route', 'show', 'table', d.table, 'dev', ifn)], { netns: ns, json: true, family: 6, allowFail: true });
        if (addrsSettled(dropped, parseRoutes(vr.outputs[0] ?? []))) break;
        if (i === 8) throw new CniError(Code.Internal, `failed getting local/host addresses for ${ifn} in table ${d.table}`);
        await sleep(10 * 2 ** i);
      }
    }
    const moves = routeLines(saved, ifn, d.table);
    if (moves.length) await ipBatch(moves, { netns: ns });
  } catch (e) {
    await undo(steps.length);
    throw new CniError(Code.Internal, `cmdAdd failed: ${(e as Error).message}`);
  }
  return prev;
}
