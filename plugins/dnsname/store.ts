// The network directory on disk: read, and write by temporary file + rename, so that dnsmasq (which
// rereads addnhosts on SIGHUP) and a killed call never see half a file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseHosts, parseRecords, renderHosts, renderRecords, type Paths } from './files.ts';
import type { State } from './plan.ts';

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** MkdirAll(dir, 0700) as the reference; true when this call created the network's directory. */
export function makeDir(dir: string): boolean {
  return mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
}

export function readState(p: Paths): State {
  return { lines: parseHosts(readText(p.hosts) ?? ''), records: parseRecords(readText(p.records)) };
}

/** addnhosts 0644 as the reference's openFile; the record only when there is something in it. */
export function writeState(p: Paths, s: State): void {
  writeAtomic(p.hosts, renderHosts(s.lines), 0o644);
  if (s.records.size > 0) writeAtomic(p.records, renderRecords(s.records), 0o644);
  else rmSync(p.records, { force: true });
}

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });
