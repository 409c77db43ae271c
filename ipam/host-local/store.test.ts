import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIp } from '../../shared/host/addr.ts';
import { Store } from './store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'hl-store-'));
  dirs.push(d);
  return new Store(d);
};

describe('lease store (no lock: file format only)', () => {
  it('reserve writes the reference bytes, exclusively, and records last_reserved_ip', () => {
    const s = fresh();
    expect(s.reserve(parseIp('10.0.0.2')!, ' c1 ', 'eth0', 0)).toBe(true);
    expect(readFileSync(join(s.dir, '10.0.0.2'), 'utf8')).toBe('c1\r\neth0');
    expect(statSync(join(s.dir, '10.0.0.2')).size).toBe(8);
    expect(readFileSync(join(s.dir, 'last_reserved_ip.0'), 'utf8')).toBe('10.0.0.2');
    expect(s.reserve(parseIp('10.0.0.2')!, 'c2', 'eth0', 0)).toBe(false);
    expect(readFileSync(join(s.dir, '10.0.0.2'), 'utf8')).toBe('c1\r\neth0');
    expect(readdirSync(s.dir).sort()).toEqual(['10.0.0.2', 'last_reserved_ip.0']); // no temp file left
  });
  it('scan reads IP-named files only, removes stale temp files, matches legacy leases', () => {
    const s = fresh();
    writeFileSync(join(s.dir, 'fd00::5'), 'c1\r\neth0\n');
    writeFileSync(join(s.dir, '10.0.0.9'), 'c1');
    writeFileSync(join(s.dir, 'last_reserved_ip.0'), 'c1');
    writeFileSync(join(s.dir, '.cni-ts-tmp.9.x'), 'c1\r\neth0');
    s.scan({ cleanTemp: true });
    expect([...s.leases.keys()].sort()).toEqual(['10.0.0.9', 'fd00::5']);
    expect(readdirSync(s.dir)).not.toContain('.cni-ts-tmp.9.x');
    expect(s.owned('c1', 'eth0').map((l) => l.name)).toEqual(['fd00::5']); // exact matches first
    expect(s.owned('c1', 'eth1').map((l) => l.name)).toEqual(['10.0.0.9']); // else legacy
    expect(
      s
        .ownedAny('c1', 'eth0')
        .map((l) => l.name)
        .sort(),
    ).toEqual(['10.0.0.9', 'fd00::5']);
    expect(s.lastReserved(0)).toBeUndefined(); // not an address
  });
});
