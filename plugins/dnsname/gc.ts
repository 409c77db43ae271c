// GC (spec "CNI Operations": GC, 1.1.0): the entries of recorded attachments that are not in
// `cni.dev/valid-attachments` are removed; a network left with none is torn down (dnsmasq stopped,
// rule and directory removed). Entries written by the Go plugin carry no record and are kept.
import type { Ctx } from '../../shared/cni/skel.ts';
import { validAttachments } from '../../shared/cni/config.ts';
import { parseDnsnameConf } from './config.ts';
import { attachmentKey } from './files.ts';
import { planGc } from './plan.ts';
import { update } from './del.ts';

export async function gc(ctx: Ctx): Promise<void> {
  const conf = parseDnsnameConf(ctx.raw, ctx.env.args, process.env.XDG_RUNTIME_DIR);
  const valid = validAttachments(conf.raw);
  if (valid === undefined) return;
  const keep = new Set(valid.map((a) => attachmentKey(a.containerID, a.ifname)));
  await update(conf, (s) => planGc(s, keep));
}
