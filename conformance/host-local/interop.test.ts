// Ours and the reference sharing one lease directory: alternating and concurrent ADD/DEL must
// never lose or duplicate a lease, and the files stay readable by both.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerId, haveOurBin, ipamDataDir, netName } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { hostLocal, leaseFiles, netconf } from './helpers.ts';

useCleanup({ scope: 'all' });

const COUNT = 100;

describe.skipIf(!haveOurBin('host-local'))('host-local interoperability with the reference', () => {
  it('alternating ADD/DEL between ours and the reference on one data dir', async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { ranges: [[{ subnet: '10.96.0.0/29' }], [{ subnet: 'fd00:96::/125' }]] });
    const ids = [1, 2, 3, 4].map((n) => containerId(`a${n}`));
    const addrs: string[][] = [];
    for (const [i, id] of ids.entries()) {
      const r = await hostLocal({ impl: i % 2 ? 'ours' : 'ref', command: 'ADD', id }, conf);
      expect(r.code, r.stdout).toBe(0);
      addrs.push(r.json.ips.map((x: { address: string }) => x.address));
    }
    // One round robin across both implementations.
    expect(addrs.map((a) => a[0])).toEqual(['10.96.0.2/29', '10.96.0.3/29', '10.96.0.4/29', '10.96.0.5/29']);
    expect(addrs.map((a) => a[1])).toEqual(['fd00:96::2/125', 'fd00:96::3/125', 'fd00:96::4/125', 'fd00:96::5/125']);
    // Each one sees (CHECK), refuses to duplicate, and releases the other's leases.
    for (const [i, id] of ids.entries()) {
      const other = i % 2 ? 'ref' : 'ours';
      expect((await hostLocal({ impl: other, command: 'CHECK', id }, conf)).code).toBe(0);
      const dup = await hostLocal({ impl: other, command: 'ADD', id }, conf);
      expect(dup.json.msg).toMatch(/duplicate allocation is not allowed/);
    }
    for (const [i, id] of ids.entries()) expect((await hostLocal({ impl: i % 2 ? 'ref' : 'ours', command: 'DEL', id }, conf)).code).toBe(0);
    expect(Object.keys(await leaseFiles(dataDir, name))).toEqual(['last_reserved_ip.0', 'last_reserved_ip.1']);
  });

  it(`${COUNT} concurrent ADDs (ours and the reference mixed) → distinct addresses; ${COUNT} concurrent DELs → empty`, async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { ranges: [[{ subnet: '10.95.0.0/24' }], [{ subnet: 'fd00:95::/120' }]] });
    const ids = Array.from({ length: COUNT }, (_, i) => containerId(`k${i}`));
    // Bounded parallelism: a few runs at a time keep the lock contended without starving the box.
    // Every call finishes before any failure is reported, so cleanup never races a running plugin.
    const pool = async <T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>) => {
      let next = 0;
      const failures: unknown[] = [];
      await Promise.all(
        Array.from({ length: n }, async () => {
          while (next < items.length) {
            const i = next++;
            await fn(items[i]!, i).catch((e) => failures.push(e));
          }
        }),
      );
      if (failures.length) throw failures[0];
    };
    const got = new Map<string, string[]>();
    await pool(ids, 16, async (id, i) => {
      const r = await hostLocal({ impl: i % 2 ? 'ours' : 'ref', command: 'ADD', id }, conf);
      expect(r.code, r.stdout).toBe(0);
      got.set(
        id,
        r.json.ips.map((x: { address: string }) => x.address.split('/')[0]),
      );
    });
    const v4 = [...got.values()].map((a) => a[0]!);
    const v6 = [...got.values()].map((a) => a[1]!);
    expect(new Set(v4).size).toBe(COUNT);
    expect(new Set(v6).size).toBe(COUNT);
    const files = await leaseFiles(dataDir, name);
    // Exactly the leases handed out, each holding its owner; no temp files left behind.
    expect(
      Object.keys(files)
        .filter((f) => !f.startsWith('last_reserved_ip.'))
        .sort(),
    ).toEqual([...v4, ...v6].sort());
    for (const [id, [a4, a6]] of got) {
      expect(files[a4!]).toBe(`${id}\r\neth0`);
      expect(files[a6!]).toBe(`${id}\r\neth0`);
    }
    await pool(ids, 16, async (id, i) => {
      const r = await hostLocal({ impl: i % 2 ? 'ref' : 'ours', command: 'DEL', id }, conf);
      expect(r.code, r.stdout).toBe(0);
    });
    expect((await readdir(join(dataDir, name))).sort()).toEqual(['last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });
});
