import { validAttachments } from '../../shared/cni/config.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseFirewallConf } from './config.ts';
import { listStates } from './state.ts';
import { teardown } from './del.ts';

/**
 * Remove the rules of this network's recorded attachments that are not in
 * cni.dev/valid-attachments. Without that key nothing is known to be stale: nothing is removed.
 */
export async function gc(ctx: Ctx): Promise<void> {
  const conf = parseFirewallConf(ctx.raw, ctx.cniVersion);
  const valid = validAttachments(conf.raw);
  if (valid === undefined) return;
  const keep = new Set(valid.map((a) => `${a.containerID}:${a.ifname}`));
  const stale = listStates(conf.name).filter(({ state: s }) => !keep.has(`${s.containerID}:${s.ifname}`));
  // One after the other: each teardown keeps what the attachments still recorded have.
  for (const { state: s } of stale) await teardown(conf.name, s.containerID, s.ifname, s.backend, [], s.zone ?? conf.zone, s);
}
