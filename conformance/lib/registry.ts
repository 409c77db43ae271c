// The registry of everything a test run creates (namespaces, links, networks, paths, hooks), so
// cleanup (cleanup.ts) can remove it, and the run's marker, so a killed run is swept later
// (stale-runs.ts).
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_PREFIX } from './names.ts';

export const NETNS_DIR = '/var/run/netns';
export const CNI_RESULTS_DIR = '/var/lib/cni/results';
export const CNI_NETWORKS_DIR = '/var/lib/cni/networks';
/** Temp dirs are named `cni-ts-<prefix>-XXXXXX` so leftovers() can find them. */
export const tmpPrefix = (prefix: string) => `cni-ts-${prefix}-`;
const TMP_PREFIX = tmpPrefix(RUN_PREFIX);

export interface Registry {
  netns: Set<string>;
  /** `${netns ?? ""}\0${ifname}` */
  links: Set<string>;
  networks: Set<string>;
  paths: Set<string>;
  hooks: Array<() => unknown>;
}

export const emptyRegistry = (): Registry => ({
  netns: new Set(),
  links: new Set(),
  networks: new Set(),
  paths: new Set(),
  hooks: [],
});
export const registry: Registry = emptyRegistry();

export function trackNetns(name: string): void {
  ensureMarker();
  registry.netns.add(name);
}
/** A link that cleanup should delete (host if netns is undefined). */
export function trackLink(ifname: string, netns?: string): void {
  ensureMarker();
  registry.links.add(`${netns ?? ''}\0${ifname}`);
}
/** A CNI network name whose cnitool cache / default host-local dir should go. */
export function trackNetwork(name: string): void {
  ensureMarker();
  registry.networks.add(name);
}
/** A file or directory to rm -rf at cleanup. */
export function trackPath(path: string): void {
  ensureMarker();
  registry.paths.add(path);
}
/** Extra cleanup step (run first, last-registered first). Errors are recorded, not thrown. */
export function onCleanup(fn: () => unknown): void {
  ensureMarker();
  registry.hooks.push(fn);
}

/** Fresh temp dir `/tmp/cni-ts-<prefix>-<label>-XXXXXX`, removed by cleanup. */
export async function makeTempDir(label = 'tmp'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${TMP_PREFIX}${label}-`));
  trackPath(dir);
  return dir;
}

/** A private host-local dataDir (so tests never share /var/lib/cni/networks). */
export function ipamDataDir(): Promise<string> {
  return makeTempDir('ipam');
}

// A run that was killed (SIGKILL, `timeout`, a crashed worker) never cleans
// up, and its bridges/routes/iptables rules could collide with later runs'
// fixed test subnets. Each process that uses the registry leaves a marker
// /run/cni-ts/runs/<prefix> = "<pid> <starttime>"; sweepStale() cleans the
// prefixes whose process is gone. Runs without a marker are never touched.

export const RUNS_DIR = '/run/cni-ts/runs';

export function procStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the ")" that ends the comm field.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let markerWritten = false;
let exitHook = false;
function ensureMarker(): void {
  if (markerWritten) return;
  markerWritten = true;
  try {
    mkdirSync(RUNS_DIR, { recursive: true });
    writeFileSync(join(RUNS_DIR, RUN_PREFIX), `${process.pid} ${procStartTime('self') ?? ''}\n`);
  } catch {
    /* no /run (unusual): sweeping just won't know about this run */
  }
  if (!exitHook) {
    exitHook = true;
    // Normal exit with nothing left to clean: no need to sweep us later.
    process.once('exit', () => {
      const pending = registry.netns.size + registry.links.size + registry.paths.size;
      if (pending === 0) releaseRunMarker();
    });
  }
}

/** Drop this run's marker (after a successful final cleanup); the next tracked object re-creates it. */
export function releaseRunMarker(): void {
  markerWritten = false;
  try {
    unlinkSync(join(RUNS_DIR, RUN_PREFIX));
  } catch {
    /* already gone */
  }
}
