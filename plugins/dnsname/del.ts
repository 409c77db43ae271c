// DEL (containers/dnsname `main.go` cmdDel): this attachment's lines out of addnhosts, then SIGHUP;
// with the network's last entry gone, dnsmasq stopped (waiting for its exit), the INPUT rule and the
// directory removed. Invalid configuration is refused like every verb's; after that, DEL never
// fails: a problem is reported on stderr, as the reference logs it.
import type { Ctx } from '../../shared/cni/skel.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { parseDnsnameConf } from './config.ts';
import { attachmentKey, pathsOf } from './files.ts';
import { attachmentIps, isEmpty, planDel, prune, type State } from './plan.ts';
import { readState, writeState } from './store.ts';
import { findDnsmasq, hup, runningPid, start } from './dnsmasq.ts';
import { lockNetwork, teardown } from './network.ts';
import type { DnsnameConf } from './config.ts';
import type { Paths } from './files.ts';

export async function del(ctx: Ctx): Promise<void> {
  const conf = parseDnsnameConf(ctx.raw, ctx.env.args, process.env.XDG_RUNTIME_DIR);
  let ips: string[] = [];
  try {
    const prev = prevResultOf(conf.raw, ctx.cniVersion);
    if (prev) ips = attachmentIps(prev);
  } catch {
    // no usable prevResult (a lost cache): our record still knows the addresses
  }
  const key = attachmentKey(ctx.env.containerId, ctx.env.ifname);
  await update(conf, (s) => planDel(s, key, ips, conf.podName)).catch((e: unknown) => {
    process.stderr.write(`dnsname: DEL of ${key} on ${conf.network}: ${(e as Error).message}\n`);
  });
}

/**
 * Apply `change` to the network's entries under its lock: write and reload dnsmasq, or tear the
 * network down when nothing is left. Nothing happens when the directory does not exist.
 */
export async function update(conf: DnsnameConf, change: (s: State) => State): Promise<void> {
  const p: Paths = pathsOf(conf.dir);
  const lock = await lockNetwork(p, false);
  if (!lock) return;
  try {
    const after = change(prune(readState(p)));
    if (isEmpty(after)) return await teardown(p, conf.root, conf.network);
    writeState(p, after);
    const pid = runningPid(p.pid, p.conf);
    if (pid !== undefined) hup(pid);
    else {
      // As the reference's hup(): the other containers still need their names served.
      const bin = findDnsmasq(process.env.PATH);
      if (bin) await start(bin, p.conf, p.pid);
    }
  } finally {
    lock.release();
  }
}
