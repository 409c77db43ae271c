// sbr's namespace work: the lock the reference takes on the namespace path, the reads (rules,
// routes, addresses) as one `ip -4` and one `ip -6` batch side by side, and a plan applied the same
// way with everything that ran taken back if either family fails.
import { lockFile, type Lock } from '../../shared/host/lock.ts';
import { ipBatch, line, parseLinks, parseRoutes, parseRules, planFailure, type RouteJson, type RuleJson } from '../../shared/host/iproute2.ts';
import { saysNotFound } from '../../shared/host/exec.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Family } from '../../shared/host/addr.ts';
import { undoOf, type Step } from './plan.ts';

/**
 * The reference's filemutex on CNI_NETNS (interoperable), but never creating the file: a missing
 * namespace must not become a plain file that `ip netns list` then shows.
 */
export const lockNetns = (netns: string): Promise<Lock> => lockFile(netns, 120, false);

export interface FamilyState {
  rules: RuleJson[];
  routes: RouteJson[];
  /** the interface's addresses of this family; undefined when the interface is missing */
  addrs?: string[];
}

/** Rules, routes of every table and the interface's addresses, per family, in one round of two processes. */
export async function readState(netns: string, ifname: string): Promise<Record<Family, FamilyState>> {
  const read = async (family: Family): Promise<FamilyState> => {
    const r = await ipBatch([line('rule', 'show'), line('route', 'show', 'table', 'all'), line('addr', 'show', 'dev', ifname)], {
      netns,
      family,
      numeric: true,
      json: true,
      allowFail: true,
    });
    if (r.exitCode !== 0 && !(r.outputs.length === 2 && saysNotFound(r)))
      throw new CniError(Code.Internal, `Failed to list rules and routes: ${r.stderr.trim()}`);
    const [rules = [], routes = [], link] = r.outputs;
    // A link without addresses of this family may print nothing: only a failure means it is missing.
    const addrs = r.exitCode !== 0 ? undefined : (parseLinks(link ?? [])[0]?.addr_info ?? []).map((a) => a.local);
    return { rules: parseRules(rules), routes: parseRoutes(routes), ...(addrs ? { addrs } : {}) };
  };
  const [v4, v6] = await Promise.all([read(4), read(6)]);
  return { 4: v4, 6: v6 };
}

/** Apply both families' steps side by side; if either fails, undo what ran of both, then report. */
export async function applySteps(netns: string, plan: Record<Family, Step[]>): Promise<void> {
  const fams = ([4, 6] as const).filter((f) => plan[f].length > 0);
  const rs = await Promise.all(
    fams.map((f) =>
      ipBatch(
        plan[f].map((s) => s.line),
        { netns, family: f, allowFail: true },
      ),
    ),
  );
  const failures = rs.map((r, i) => (r.exitCode === 0 ? undefined : planFailure(plan[fams[i]!], r.stderr)));
  const first = failures.find((f) => f !== undefined);
  if (!first) return;
  await Promise.all(
    fams.map((f, i) => {
      const ran = failures[i] ? Math.max(0, failures[i]!.index) : plan[f].length;
      const undo = undoOf(plan[f], ran);
      return undo.length ? ipBatch(undo, { netns, family: f, force: true, allowFail: true }) : undefined;
    }),
  );
  throw first.error;
}
