// The on-disk lease store, byte-compatible with the reference's disk backend:
//   <dataDir>/<network>/<ip>                  "<containerID>\r\n<ifname>" (no newline): the lease
//   <dataDir>/<network>/last_reserved_ip.<n>  last address reserved in range set n
//   <dataDir>/<network>/lock                  flock(2)ed around every read-modify-write
// Differences that keep the format: a lease appears atomically with its full content (written to a
// temp file, then link(2)ed to its name, which fails with EEXIST like O_EXCL), and
// last_reserved_ip is replaced by rename(2). Temp files start with "." so they never parse as an
// IP: the reference's GetByID/duplicate check ignores them; we delete stale ones on every scan.
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { lockFile, type Lock } from '../../shared/host/lock.ts';
import { parseIp, type Ip } from '../../shared/host/addr.ts';

export const LINE_BREAK = '\r\n';
export const LAST_IP_PREFIX = 'last_reserved_ip.';
const TMP_PREFIX = '.cni-ts-tmp.';

export interface Lease {
  /** File name: the IP string as the reference wrote it. */
  name: string;
  ip: Ip;
  /** Trimmed content. */
  content: string;
}

/** Owner key written into a lease (the reference trims the id). */
export const leaseKey = (id: string, ifname: string): string => `${id.trim()}${LINE_BREAK}${ifname}`;

/** Whether a lease belongs to (id, ifname), including pre-0.8.0 id-only leases. */
export function leaseOwner(content: string): { id: string; ifname?: string } {
  const i = content.indexOf(LINE_BREAK);
  return i < 0 ? { id: content } : { id: content.slice(0, i), ifname: content.slice(i + LINE_BREAK.length) };
}

function ioError(what: string, e: unknown): CniError {
  return new CniError(Code.IoFailure, `${what}: ${(e as Error).message}`);
}

/**
 * mkdir -p. Not `mkdirSync(…, {recursive: true})`: Node's recursive mkdir spins forever on some
 * paths it cannot create (e.g. under /proc, where mkdir says ENOENT for a parent that exists).
 */
export function mkdirs(dir: string): void {
  let path = '';
  for (const part of dir.split('/')) {
    if (part === '') continue;
    path += `/${part}`;
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export class Store {
  readonly dir: string;
  private lock?: Lock;
  /** Leases by file name, as of the last scan plus our own changes since. */
  leases = new Map<string, Lease>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Create the directory (every verb does, as upstream) and take the lock, once per call. */
  async open(): Promise<void> {
    try {
      mkdirs(this.dir);
    } catch (e) {
      throw ioError(`failed to create data directory ${this.dir}`, e);
    }
    this.lock = await lockFile(`${this.dir}/lock`);
  }

  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /**
   * Read every lease (any file named by an IP) into `leases`. Under the lock, temp files are
   * leftovers of a crashed writer and are removed.
   */
  scan(opts: { cleanTemp?: boolean } = {}): void {
    this.leases.clear();
    let entries: Dirent[];
    try {
      entries = readdirSync(this.dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError(`failed to read ${this.dir}`, e);
    }
    for (const ent of entries) {
      if (!ent.isFile()) continue;
      if (ent.name.startsWith(TMP_PREFIX)) {
        if (opts.cleanTemp) this.unlinkQuiet(ent.name);
        continue;
      }
      const ip = parseIp(ent.name);
      if (!ip) continue;
      let content: string;
      try {
        content = readFileSync(`${this.dir}/${ent.name}`, 'utf8').trim();
      } catch {
        continue; // removed meanwhile (only possible without the lock, e.g. STATUS)
      }
      this.leases.set(ent.name, { name: ent.name, ip, content });
    }
  }

  /** Leases of (id, ifname); when there are none, legacy id-only leases of id. */
  owned(id: string, ifname: string): Lease[] {
    const key = leaseKey(id, ifname);
    const all = [...this.leases.values()];
    const exact = all.filter((l) => l.content === key);
    return exact.length ? exact : all.filter((l) => l.content === id.trim());
  }

  /** Every lease of (id, ifname) or of the legacy id alone (the duplicate check and CHECK use both). */
  ownedAny(id: string, ifname: string): Lease[] {
    const key = leaseKey(id, ifname);
    return [...this.leases.values()].filter((l) => l.content === key || l.content === id.trim());
  }

  isTaken = (name: string): boolean => this.leases.has(name);

  lastReserved(setIdx: number): Ip | undefined {
    try {
      return parseIp(readFileSync(`${this.dir}/${LAST_IP_PREFIX}${setIdx}`, 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  private tmpName(): string {
    return `${TMP_PREFIX}${process.pid}.${randomBytes(6).toString('hex')}`;
  }

  /**
   * Reserve `ip` for (id, ifname): false when the file already exists. The content is complete
   * and synced before the name appears, so a crash never leaves an empty lease (upstream #498).
   */
  reserve(ip: Ip, id: string, ifname: string, setIdx: number): boolean {
    const name = ip.toString();
    const tmp = this.tmpName();
    const content = leaseKey(id, ifname);
    try {
      const fd = openSync(`${this.dir}/${tmp}`, 'wx', 0o600);
      try {
        writeSync(fd, content);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(`${this.dir}/${tmp}`, `${this.dir}/${name}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
    } catch (e) {
      throw ioError(`failed to reserve ${name}`, e);
    } finally {
      this.unlinkQuiet(tmp);
    }
    this.leases.set(name, { name, ip, content });
    this.writeLastReserved(name, setIdx);
    return true;
  }

  /** Replace last_reserved_ip.<n> atomically (the reference rewrites it in place). */
  writeLastReserved(ipName: string, setIdx: number): void {
    const tmp = this.tmpName();
    try {
      writeFileSync(`${this.dir}/${tmp}`, ipName, { mode: 0o600 });
      renameSync(`${this.dir}/${tmp}`, `${this.dir}/${LAST_IP_PREFIX}${setIdx}`);
    } catch (e) {
      this.unlinkQuiet(tmp);
      throw ioError(`failed to record the last reserved address`, e);
    }
  }

  /** Remove a lease; missing is fine. */
  release(name: string): void {
    try {
      unlinkSync(`${this.dir}/${name}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`failed to release ${name}`, e);
    }
    this.leases.delete(name);
  }

  private unlinkQuiet(name: string): void {
    try {
      unlinkSync(`${this.dir}/${name}`);
    } catch {
      // already gone
    }
  }
}

/** Open + lock, run fn, always unlock. */
export async function withStore<T>(dir: string, fn: (s: Store) => T | Promise<T>): Promise<T> {
  const s = new Store(dir);
  await s.open();
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}
