// CHECK (tuning.go cmdCheck): the sysctls and link attributes must be what the config asks for.
import { assertNetns } from '../../shared/host/netns.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseTuningConf } from './config.ts';
import { requirePrev } from './prev.ts';
import { checkProblem, sysctlSettings } from './plan.ts';
import { readLink } from './link.ts';
import { readValues } from './netns-sysctl.ts';

export async function check(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseTuningConf(ctx.raw, env.args);
  requirePrev(conf, ctx.cniVersion);
  assertNetns(env.netns);
  const settings = sysctlSettings(conf, env.ifname);
  // Both reads in one round; the sysctl error wins, as the reference reads those first.
  const [vs, ls] = await Promise.allSettled([
    readValues(
      env.netns,
      settings.map(([p]) => p),
    ),
    readLink(env.netns, env.ifname),
  ]);
  if (vs.status === 'rejected') throw vs.reason;
  if (ls.status === 'rejected') throw new CniError(Code.Internal, `Cannot find container link ${env.ifname}`);
  const values = vs.value;
  const l = ls.value;
  const p = checkProblem(
    conf,
    env.ifname,
    settings.map(([path, want]) => [path, want, values.get(path) ?? ''] as const),
    l,
  );
  if (p) throw new CniError(Code.Internal, p);
}
