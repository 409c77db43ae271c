// ADD (containers/dnsname `main.go` cmdAdd): the container's addresses and names into addnhosts,
// dnsmasq.conf written when missing or stale, the INPUT rule with it, then dnsmasq started or sent
// SIGHUP. The result is prevResult with the bridge's addresses as first nameservers and the domain
// appended to the search list. Everything is validated and the bridge read before anything is written;
// a failure afterwards puts addnhosts back and tears down a network this call brought up.
import type { Ctx } from '../../shared/cni/skel.ts';
import type { Result } from '../../shared/cni/result.ts';
import { parseDnsnameConf, requirePrev } from './config.ts';
import { attachmentKey, confInterface, pathsOf, renderConf } from './files.ts';
import { attachmentIps, bridgeOf, isEmpty, nameserversOf, namesOf, planAdd, prune, resultWithDns } from './plan.ts';
import { readState, readText, removeDir, writeAtomic, writeState } from './store.ts';
import { bridgeInUseElsewhere, ensureRule, removeRule } from './rule.ts';
import { hup, requireDnsmasq, runningPid, start, stop } from './dnsmasq.ts';
import { bridgeAddrs, lockNetwork, teardown } from './network.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = parseDnsnameConf(ctx.raw, ctx.env.args, process.env.XDG_RUNTIME_DIR);
  const bin = requireDnsmasq(process.env.PATH);
  const prev = requirePrev(conf, ctx.cniVersion);
  const bridge = bridgeOf(prev);
  const ips = attachmentIps(prev);
  const names = namesOf(conf.podName, conf.aliases);
  const p = pathsOf(conf.dir);
  const key = attachmentKey(ctx.env.containerId, ctx.env.ifname);

  // One round of processes: the bridge's addresses (ip) while the lock is taken (flock).
  const [addrs, locked] = await Promise.allSettled([bridgeAddrs(bridge), lockNetwork(p, true)]);
  if (addrs.status === 'rejected') {
    if (locked.status === 'fulfilled') {
      // Nothing written yet: a directory holding only the lock file is this call's, and goes.
      if (isEmpty(readState(p)) && readText(p.conf) === undefined) removeDir(p.dir);
      locked.value?.release();
    }
    throw addrs.reason;
  }
  if (locked.status === 'rejected') throw locked.reason;
  const nameservers = nameserversOf(addrs.value);
  const lock = locked.value;
  try {
    const before = prune(readState(p));
    const oldConf = readText(p.conf);
    const wantConf = renderConf(conf.domain, bridge, p);
    // A network recreated under another bridge name (containers/dnsname #54): rewrite, restart.
    const restart = oldConf !== undefined && oldConf !== wantConf;
    try {
      if (oldConf !== wantConf) {
        await ensureRule(bridge);
        writeAtomic(p.conf, wantConf, 0o700);
        const oldBridge = oldConf === undefined ? undefined : confInterface(oldConf);
        if (oldBridge && oldBridge !== bridge && !bridgeInUseElsewhere(conf.root, conf.network, oldBridge)) await removeRule(oldBridge);
      }
      writeState(p, planAdd(before, key, ips, names));
      let pid = runningPid(p.pid, p.conf);
      if (pid !== undefined && restart) {
        await stop(pid);
        pid = undefined;
      }
      if (pid === undefined) await start(bin, p.conf, p.pid);
      else hup(pid);
    } catch (e) {
      if (isEmpty(before)) await teardown(p, conf.root, conf.network).catch(() => undefined);
      else writeState(p, before);
      throw e;
    }
  } finally {
    lock?.release();
  }
  return resultWithDns(prev, nameservers, conf.domain);
}
