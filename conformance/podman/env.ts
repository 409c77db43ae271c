// A podman completely isolated from the host's defaults, whose only CNI plugins are ours: its own
// storage root, run root, temp and lock directories and event log under one temp dir, a
// containers.conf (CONTAINERS_CONF) with the CNI backend, `cni_plugin_dirs` = dist/bin alone and a
// private `network_config_dir`, a storage.conf (CONTAINERS_STORAGE_CONF) with the vfs driver, and
// a one-binary busybox image imported from a tarball (no registry is reachable here).
// Cleanup removes containers through podman first (so our plugins' DEL runs, as a runtime would
// run it), then whatever a failed run can leave: mounts under the temp dir, the containers'
// cgroups, rules that name only addresses, and the few host paths podman creates on first use.
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rmdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OUR_BIN_DIR, RUN_PREFIX, cleanIptablesMatching, cleanup, makeTempDir, onCleanup, run, withSharedHost, type ExecResult } from '../lib/index.ts';
import { PLUGINS } from '../../build/plugins.ts';
import { existingFirstUsePaths, removeFirstUse, runOwnsFirstUse } from './first-use.ts';

/** The executables dist/bin ships; the generated conflist may name nothing else. */
export const OUR_PLUGINS = PLUGINS.map((p) => p.name);

const onPath = (cmd: string) => (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => existsSync(join(d, cmd)));
export const havePodman = (): boolean => onPath('podman');

/** Hard limit of this process from /proc/self/limits ("Max open files", "Max processes"). */
function hardLimit(label: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(label));
  const hard = line?.slice(label.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
}

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface Podman {
  dir: string;
  netDir: string;
  runtime: string;
  /** `--cgroup-parent` for every container: a prefixed cgroup that cleanup can find and remove. */
  cgroupParent: string;
  /** podman with the isolated configuration, under the shared host lock (its CNI calls mutate the host). */
  pm(args: string[], timeoutMs?: number): Promise<ExecResult>;
  /** Like pm() but throws with podman's stderr when it fails. */
  must(args: string[], timeoutMs?: number): Promise<string>;
  /** Networks created through this podman (removed at cleanup). */
  networks: Set<string>;
  /** Their subnets' "10.233.x." (rules naming these addresses are removed at cleanup). */
  bases: Set<string>;
}

export interface PodmanOptions {
  /** The only CNI plugin directory (default: ours, dist/bin). */
  pluginDir?: string;
  /** podman's network backend (default: CNI). */
  backend?: 'cni' | 'netavark';
}

export async function makePodman(opts: PodmanOptions = {}): Promise<Podman> {
  const preexisting = new Set(existingFirstUsePaths());
  const dir = await makeTempDir('podman');
  const netDir = join(dir, 'net.d');
  for (const d of ['root', 'runroot', 'tmp', 'net.d']) await mkdir(join(dir, d));
  // crun 1.8 refuses a hybrid cgroup hierarchy whose cgroup2 half has any controller enabled
  // ("cgroups in hybrid mode not supported", even with cgroups disabled), as this machine's has;
  // runc runs there.
  const runtime = onPath('runc') ? 'runc' : 'crun';
  // podman raises RLIMIT_NOFILE/NPROC of containers to 1048576 by default; without
  // CAP_SYS_RESOURCE (this sandbox) the runtime's setrlimit fails, so stay under our limits.
  const nofile = Math.min(4096, hardLimit('Max open files'));
  const nproc = Math.min(4096, hardLimit('Max processes'));
  const q = JSON.stringify; // TOML basic strings take JSON's escapes
  await writeFile(
    join(dir, 'containers.conf'),
    [
      '[containers]',
      `default_ulimits = [${q(`nofile=${nofile}:${nofile}`)}, ${q(`nproc=${nproc}:${nproc}`)}]`,
      'http_proxy = false',
      '',
      '[network]',
      `network_backend = ${q(opts.backend ?? 'cni')}`,
      `cni_plugin_dirs = [${q(opts.pluginDir ?? OUR_BIN_DIR)}]`,
      `network_config_dir = ${q(netDir)}`,
      '',
      '[engine]',
      `runtime = ${q(runtime)}`,
      // conmon starts `podman container cleanup` when a container exits: without our configuration
      // it would use podman's default plugin directories and tear down with other plugins. PATH is
      // podman's default for this list, which the list replaces (without it our DEL finds no `ip`,
      // the cleanup fails, and an attached `podman run` waits 20 s for it).
      `conmon_env_vars = [${['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `CONTAINERS_CONF=${join(dir, 'containers.conf')}`, `CONTAINERS_STORAGE_CONF=${join(dir, 'storage.conf')}`].map((v) => q(v)).join(', ')}]`,
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${q(join(dir, 'events.log'))}`,
      `tmp_dir = ${q(join(dir, 'tmp'))}`,
      `image_copy_tmp_dir = ${q(join(dir, 'tmp'))}`,
      // The default shm lock segment (/dev/shm/libpod_lock) is shared by every podman on the host.
      'lock_type = "file"',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'storage.conf'),
    ['[storage]', 'driver = "vfs"', `graphroot = ${q(join(dir, 'root'))}`, `runroot = ${q(join(dir, 'runroot'))}`, ''].join('\n'),
  );
  await writeFile(join(dir, 'registries.conf'), '');
  const env = {
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
  };
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot')];
  const pm = (args: string[], timeoutMs = 30_000) => withSharedHost(() => run('podman', [...base, ...args], { env, timeoutMs }));
  const must = async (args: string[], timeoutMs?: number) => {
    const r = await pm(args, timeoutMs);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  const p: Podman = { dir, netDir, runtime, cgroupParent: `/${RUN_PREFIX}`, pm, must, networks: new Set(), bases: new Set() };
  onCleanup(() => cleanupPodman(p, preexisting));
  return p;
}

/** Import a busybox-only image (sh, true, httpd, nc, sleep, ip, cat) as `localhost/<prefix>img:latest`. */
export async function importBusyboxImage(p: Podman): Promise<string> {
  const root = join(p.dir, 'img');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const a of ['sh', 'true', 'httpd', 'nc', 'sleep', 'ip', 'cat']) await symlink('busybox', join(root, 'bin', a));
  const tar = join(p.dir, 'img.tar');
  const t = await run('tar', ['-C', root, '-cf', tar, '.']);
  if (t.code !== 0) throw new Error(`tar failed: ${t.stderr}`);
  const tag = `localhost/${RUN_PREFIX}img:latest`;
  await p.must(['import', '-q', tar, tag]);
  return tag;
}

/** 10.233.<x>.0/24 with no route on the host yet (10.233.0.0/16 is this suite's range). */
export async function freeSubnet(): Promise<{ subnet: string; base: string; gw: string }> {
  const routes = (await run('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout;
  for (let tries = 0; tries < 50; tries++) {
    const x = randomInt(2, 252);
    if (!routes.includes(`10.233.${x}.`)) return { subnet: `10.233.${x}.0/24`, base: `10.233.${x}.`, gw: `10.233.${x}.1` };
  }
  throw new Error('no free /24 in 10.233.0.0/16');
}

/** Matches a dotted address that starts with `base` ("10.233.7."), not a longer number ending in it. */
export const mentionsBase = (base: string) => {
  const re = new RegExp(`(^|[^0-9.])${base.replace(/\./g, '\\.')}\\d`);
  return (s: string) => re.test(s);
};

async function cleanupPodman(p: Podman, preexisting: Set<string>): Promise<void> {
  const errors: string[] = [];
  // Containers first: podman runs our plugins' DEL for each, the way a runtime cleans up.
  const rmAll = await p.pm(['rm', '-f', '-a', '-t', '0'], 60_000);
  if (rmAll.code !== 0) errors.push(`podman rm -f -a: ${rmAll.stderr.trim()}`);
  for (const net of p.networks) {
    const r = await p.pm(['network', 'rm', '-f', '-t', '0', net]);
    if (r.code !== 0 && !/unable to find network|network not found/i.test(r.stderr)) errors.push(`podman network rm ${net}: ${r.stderr.trim()}`);
  }
  // Rules that name only addresses (the firewall plugin's CNI-FORWARD rules), in case a DEL did
  // not run; the harness removes the rest (their comments name the prefixed network).
  for (const base of p.bases) errors.push(...(await cleanIptablesMatching(mentionsBase(base))));
  // Nothing may stay mounted under the temp dir, or its rm -rf fails (vfs itself mounts nothing;
  // containers' /dev/shm tmpfs and the like live there until podman unmounts them).
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${p.dir}/`));
  for (const m of mounts.reverse()) {
    const r = await run('umount', ['-l', m]);
    if (r.code !== 0) errors.push(`umount ${m}: ${r.stderr.trim()}`);
  }
  // Containers' cgroups (<controller>/<prefix>/{conmon,libpod-<id>}): runc and conmon leave the
  // parent. If podman could not remove a container, its processes (conmon, the container's) are
  // still in there: they are this run's, found by our cgroup, and get SIGKILL by pid.
  const tops = (await readdir(CGROUP_ROOT).catch(() => [] as string[]))
    .map((ctl) => join(CGROUP_ROOT, ctl, p.cgroupParent.slice(1)))
    .filter((d) => existsSync(d));
  const subdirs = async (top: string) => (await readdir(top, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(top, e.name));
  const pids = new Set<number>();
  for (const top of tops) {
    for (const d of [top, ...(await subdirs(top))]) {
      for (const pid of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (pids.size) await new Promise((r) => setTimeout(r, 500));
  for (const top of tops) {
    for (const d of [...(await subdirs(top)), top]) await rmdir(d).catch((e: Error) => errors.push(`rmdir ${d}: ${e.message}`));
  }
  if (!runOwnsFirstUse()) errors.push(...(await removeFirstUse(preexisting)));
  if (errors.length) throw new Error(errors.join('\n'));
}

export interface PodmanSuite {
  /** Why the suite cannot run here; undefined when it can. */
  skipReason?: string;
  podman?: Podman;
  /** The busybox image, imported. */
  image: string;
}

/**
 * A podman suite's set-up, decided while collecting so that the suite can skip itself with the
 * reason: podman is missing, one of `bins` is not built in dist/bin, or podman cannot run even a
 * network-less container here. `what` names the suite in the skip line.
 */
export async function podmanSuite(what: string, bins: readonly string[] = []): Promise<PodmanSuite> {
  const s: PodmanSuite = { image: '' };
  s.skipReason = await (async (): Promise<string | undefined> => {
    if (!havePodman()) return 'podman is not installed (conformance/setup/deps.sh installs it)';
    for (const bin of bins) if (!existsSync(join(OUR_BIN_DIR, bin))) return `dist/bin/${bin} is not built`;
    try {
      const podman = await makePodman();
      s.podman = podman;
      s.image = await importBusyboxImage(podman);
      const r = await podman.pm(['run', '--rm', '--network', 'none', '--cgroup-parent', podman.cgroupParent, s.image, 'true']);
      if (r.code !== 0) return `podman cannot run a container here (runtime ${podman.runtime}): ${r.stderr.trim()}`;
      return undefined;
    } catch (e) {
      return `podman setup failed: ${(e as Error).message}`;
    }
  })();
  if (s.skipReason !== undefined) {
    console.log(`skipped: ${what}: ${s.skipReason}`);
    await cleanup(); // the file's hooks do not run when every test is skipped
  }
  return s;
}
