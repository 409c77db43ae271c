// The network's dnsmasq process (containers/dnsname `service.go`): found on PATH, started with the
// reference's command line, reloaded with SIGHUP, stopped by PID. Unlike the reference, a PID is
// only signalled when /proc shows it is dnsmasq running this network's dnsmasq.conf (a PID from a
// stale pidfile may belong to anyone by now), and stopping waits until the process has exited.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { run } from '../../shared/host/exec.ts';

/** exec.LookPath("dnsmasq") over PATH; undefined when absent. */
export function findDnsmasq(path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(':')) {
    if (dir === '') continue;
    const f = join(dir, 'dnsmasq');
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      // next
    }
  }
  return undefined;
}

export function requireDnsmasq(path: string | undefined): string {
  const bin = findDnsmasq(path);
  if (!bin) {
    throw new CniError(
      Code.Internal,
      'unable to locate dnsmasq in path: dnsname needs dnsmasq (Debian package dnsmasq-base) on the PATH of the runtime',
      path ?? '',
    );
  }
  return bin;
}

/** The reference's command line: what the pidfile's process is recognised by. */
export const confArg = (conf: string): string => `--conf-file=${conf}`;

export function readPid(pidFile: string): number | undefined {
  let t: string;
  try {
    t = readFileSync(pidFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^[1-9]\d{0,9}$/.test(t) ? Number(t) : undefined;
}

/** Whether `pid` is a live (not zombie) dnsmasq started with this `--conf-file`. */
export function isOurs(pid: number, conf: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(confArg(conf)) && /(^|\/)dnsmasq$/.test(argv[0] ?? '');
  } catch {
    return false;
  }
}

/** The running dnsmasq of this network, if any. */
export function runningPid(pidFile: string, conf: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && isOurs(pid, conf) ? pid : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start dnsmasq in a session of its own (setsid), so that it does not share the caller's session;
 * dnsmasq daemonizes and writes the pidfile. Resolves to its PID.
 */
export async function start(bin: string, conf: string, pidFile: string): Promise<number> {
  const r = await run('setsid', [bin, '-u', 'root', confArg(conf)], { allowFail: true });
  if (r.exitCode !== 0 || r.missing) {
    throw new CniError(Code.Internal, `dnsname error: dnsmasq failed with ${JSON.stringify((r.stdout + r.stderr).trim() || `exit status ${r.exitCode}`)}`);
  }
  // The daemon writes the pidfile before its parent exits; allow a moment on a loaded machine.
  for (let i = 0; i < 100; i++) {
    const pid = runningPid(pidFile, conf);
    if (pid !== undefined) return pid;
    await sleep(10);
  }
  throw new CniError(Code.Internal, `dnsname error: dnsmasq started but ${pidFile} names no running dnsmasq`);
}

export function hup(pid: number): void {
  process.kill(pid, 'SIGHUP');
}

const gone = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
};

/** SIGTERM, wait for the exit (up to 2 s), then SIGKILL and wait again. True once it is gone. */
export async function stop(pid: number): Promise<boolean> {
  for (const [sig, waitMs] of [
    ['SIGTERM', 2000],
    ['SIGKILL', 2000],
  ] as const) {
    try {
      process.kill(pid, sig);
    } catch {
      return true; // already gone
    }
    for (let t = 0; t < waitMs; t += 10) {
      if (gone(pid)) return true;
      await sleep(10);
    }
  }
  return gone(pid);
}
