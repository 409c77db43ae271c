// DEL (tuning.go cmdDel/restoreBackup): put back the saved link attributes and remove the file.
// Like the reference, DEL succeeds whenever its config is valid. Where the reference keeps the file
// forever (namespace or link gone, unreadable content) we remove it: there is nothing to restore.
import { netnsState } from '../../shared/host/netns.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseTuningConf } from './config.ts';
import { applyLink, linkLines, RESTORE_ORDER } from './link.ts';
import { parseSaved, stateFile } from './state.ts';
import { readState, removeState } from '../../shared/host/state-file.ts';

export async function del(ctx: Ctx): Promise<void> {
  const { env } = ctx;
  const conf = parseTuningConf(ctx.raw, env.args, true);
  const file = stateFile(conf.dataDir, env.containerId, env.ifname);
  const content = readState(file);
  if (content === undefined) {
    removeState(file); // an ADD killed before its rename may have left its temp file
    return;
  }
  const saved = parseSaved(content);
  if (saved === undefined || env.netns === '' || netnsState(env.netns) !== 'ok') {
    removeState(file);
    return;
  }
  const r = await applyLink(env.netns, linkLines(env.ifname, saved, RESTORE_ORDER), true);
  if (r.ok || r.noDevice) {
    removeState(file);
    return;
  }
  // The reference reports nothing and keeps the file so that a later DEL can try again; so do we,
  // but say why on stderr.
  process.stderr.write(`tuning: failed to restore ${env.ifname}: ${r.stderr}\n`);
}
