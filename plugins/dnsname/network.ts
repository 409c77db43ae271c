// The network's directory under its lock, and its teardown: what ADD, DEL and GC share.
import { fstatSync, statSync } from 'node:fs';
import { lockFile, type Lock } from '../../shared/host/lock.ts';
import { run, commandError } from '../../shared/host/exec.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { confInterface, type Paths } from './files.ts';
import { makeDir, readText, removeDir } from './store.ts';
import { bridgeInUseElsewhere, removeRule } from './rule.ts';
import { runningPid, stop } from './dnsmasq.ts';

/**
 * The reference's flock on `<dir>/lock`. A DEL may remove the directory while we wait for the lock
 * (the reference has that race too): then the file we locked is no longer the one at the path, and
 * ADD makes the directory again and locks anew. `create` false: undefined when there is no directory.
 */
export async function lockNetwork(p: Paths, create: boolean): Promise<Lock | undefined> {
  for (let i = 0; i < 5; i++) {
    if (create) makeDir(p.dir);
    let lock: Lock;
    try {
      lock = await lockFile(p.lock);
    } catch (e) {
      if (!create) return undefined; // the directory is gone: nothing to do
      throw e;
    }
    try {
      if (statSync(p.lock).ino === fstatSync(lock.fd).ino) return lock;
    } catch {
      // removed while we waited
    }
    lock.release();
    if (!create) return undefined;
  }
  throw new CniError(Code.TryAgainLater, `the directory ${p.dir} keeps being removed while waiting for its lock`);
}

/** Stop the network's dnsmasq (waiting for its exit), remove its INPUT rule and its directory. */
export async function teardown(p: Paths, root: string, network: string): Promise<void> {
  const pid = runningPid(p.pid, p.conf);
  if (pid !== undefined) await stop(pid);
  const bridge = confInterface(readText(p.conf) ?? '');
  if (bridge && !bridgeInUseElsewhere(root, network, bridge)) await removeRule(bridge);
  removeDir(p.dir);
}

/** The bridge's addresses in the kernel's order; an error when the bridge does not exist. */
export async function bridgeAddrs(bridge: string): Promise<Array<{ local: string }>> {
  const r = await run('ip', ['-j', 'addr', 'show', 'dev', bridge], { allowFail: true });
  if (r.exitCode !== 0) throw commandError(`failed to read the addresses of the bridge ${bridge}`, r);
  const links = JSON.parse(r.stdout || '[]') as Array<{ addr_info?: Array<{ local?: unknown }> }>;
  return (links[0]?.addr_info ?? []).filter((a): a is { local: string } => typeof a.local === 'string');
}
