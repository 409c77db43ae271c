// DEL (main.go cmdDel, tidyRules): remove the rules (of `table`, when set) whose source is one of
// the interface's addresses. Routes go with the interface. Success when the namespace or the
// interface is gone, or the rules are (a second DEL).
import { netnsState } from '../../shared/host/netns.ts';
import { ipBatch } from '../../shared/host/iproute2.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseSbrConf } from './config.ts';
import { staleRules } from './plan.ts';
import { lockNetns, readState } from './netns.ts';

export async function del(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseSbrConf(ctx.raw);
  if (env.netns === '' || netnsState(env.netns) !== 'ok') return;
  const lock = await lockNetns(env.netns);
  try {
    const st = await readState(env.netns, env.ifname);
    await Promise.all(
      ([4, 6] as const).map((f) => {
        const lines = staleRules(st[f].rules, st[f].addrs ?? [], conf.table);
        // -force: a rule a concurrent call removed does not stop the others.
        return lines.length ? ipBatch(lines, { netns: env.netns, family: f, force: true, allowFail: true }) : undefined;
      }),
    );
  } finally {
    lock.release();
  }
}
