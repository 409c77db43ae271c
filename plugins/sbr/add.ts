// ADD (main.go cmdAdd): under the namespace lock, read the rules, routes and addresses, plan each
// family's rules and tables, and apply them; a failure takes back what this call did.
import { assertNetns } from '../../shared/host/netns.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { parseSbrConf, requirePrev } from './config.ts';
import { familySteps, ipsOf, tableSteps, usedTables } from './plan.ts';
import { applySteps, lockNetns, readState } from './netns.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const { env } = ctx;
  const conf = parseSbrConf(ctx.raw);
  const prev = requirePrev(conf, ctx.cniVersion);
  const ips = ipsOf(prev, env.ifname);
  assertNetns(env.netns);
  const lock = await lockNetns(env.netns);
  try {
    const table = conf.table;
    if (table !== undefined) {
      await applySteps(env.netns, { 4: tableSteps(ips, 4, table), 6: tableSteps(ips, 6, table) });
      return prev;
    }
    const st = await readState(env.netns, env.ifname);
    if (!st[4].addrs && !st[6].addrs) throw new CniError(Code.Internal, `Cannot find network interface ${env.ifname}`);
    // One set of used tables for both families: a table id is never shared between them.
    const used = new Set([...usedTables(st[4].rules, st[4].routes), ...usedTables(st[6].rules, st[6].routes)]);
    const main = (f: 4 | 6) => st[f].routes.filter((r) => r.dev === env.ifname && r.table === undefined);
    await applySteps(env.netns, { 4: familySteps(ips, 4, main(4), used, env.ifname), 6: familySteps(ips, 6, main(6), used, env.ifname) });
    return prev;
  } finally {
    lock.release();
  }
}
