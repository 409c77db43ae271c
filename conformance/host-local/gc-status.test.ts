// GC and STATUS (spec 1.1; the 1.1.1 reference has neither), ours only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerId, haveOurBin, ipamDataDir, netName } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { hostLocal, leaseFiles, netconf } from './helpers.ts';

useCleanup({ scope: 'all' });

const v11 = { cniVersion: '1.1.0' };

describe.skipIf(!haveOurBin('host-local'))('host-local GC', () => {
  it('releases every lease not in cni.dev/valid-attachments; CHECK of the kept one passes', async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { ranges: [[{ subnet: '10.94.0.0/24' }], [{ subnet: 'fd00:94::/64' }]] }, v11);
    const [a, b] = [containerId('ga'), containerId('gb')];
    for (const [id, ifname] of [
      [a, 'eth0'],
      [b, 'eth0'],
      [b, 'eth1'],
    ] as const) {
      expect((await hostLocal({ impl: 'ours', command: 'ADD', id, ifname }, conf)).code).toBe(0);
    }
    // A legacy id-only lease of a stale container and a crashed writer's temp file.
    writeFileSync(join(dataDir, name, '10.94.0.200'), containerId('legacy'));
    writeFileSync(join(dataDir, name, '.cni-ts-tmp.1.abc'), `${a}\r\neth0`);
    const gc = await hostLocal({ impl: 'ours', command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [{ containerID: b, ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    expect(gc.stdout).toBe('');
    const files = await leaseFiles(dataDir, name);
    expect(
      Object.entries(files)
        .filter(([f]) => !f.startsWith('last_reserved'))
        .map(([, c]) => c),
    ).toEqual([`${b}\r\neth0`, `${b}\r\neth0`]);
    expect((await hostLocal({ impl: 'ours', command: 'CHECK', id: b }, conf)).code).toBe(0);
    expect((await hostLocal({ impl: 'ours', command: 'CHECK', id: a }, conf)).code).toBe(1);
  });

  it('accepts the legacy cni.dev/attachments key; no key at all releases nothing', async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { subnet: '10.93.0.0/24' }, v11);
    const [a, b] = [containerId('la'), containerId('lb')];
    for (const id of [a, b]) expect((await hostLocal({ impl: 'ours', command: 'ADD', id }, conf)).code).toBe(0);
    expect((await hostLocal({ impl: 'ours', command: 'GC' }, conf)).code).toBe(0);
    expect(Object.keys(await leaseFiles(dataDir, name))).toHaveLength(3);
    expect((await hostLocal({ impl: 'ours', command: 'GC' }, { ...conf, 'cni.dev/attachments': [{ containerID: a, ifname: 'eth0' }] })).code).toBe(0);
    expect(await leaseFiles(dataDir, name)).toEqual({ '10.93.0.2': `${a}\r\neth0`, 'last_reserved_ip.0': '10.93.0.3' });
    expect((await hostLocal({ impl: 'ours', command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [] })).code).toBe(0);
    expect(await leaseFiles(dataDir, name)).toEqual({ 'last_reserved_ip.0': '10.93.0.3' });
  });

  it('GC with cniVersion 1.0.0 is refused (code 1) and destroys nothing', async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { subnet: '10.92.0.0/24' });
    expect((await hostLocal({ impl: 'ours', command: 'ADD', id: containerId('v1') }, conf)).code).toBe(0);
    const r = await hostLocal({ impl: 'ours', command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [] });
    expect(r.json.code).toBe(1);
    expect(Object.keys(await leaseFiles(dataDir, name))).toHaveLength(2);
  });
});

describe.skipIf(!haveOurBin('host-local'))('host-local STATUS', () => {
  it('ready: exit 0, no output', async () => {
    const r = await hostLocal({ impl: 'ours', command: 'STATUS' }, netconf(netName(), await ipamDataDir(), { subnet: '10.91.0.0/24' }, v11));
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('range set exhausted → code 50 naming the set; ADD/DEL still work afterwards', async () => {
    const dataDir = await ipamDataDir();
    const name = netName();
    const conf = netconf(name, dataDir, { ranges: [[{ subnet: '10.90.0.0/24' }], [{ subnet: '10.90.1.0/30' }]] }, v11);
    const id = containerId('x1');
    expect((await hostLocal({ impl: 'ours', command: 'ADD', id }, conf)).code).toBe(0);
    const r = await hostLocal({ impl: 'ours', command: 'STATUS' }, conf);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 50, msg: 'range set 1: no IP addresses available in range set: 10.90.1.1-10.90.1.2' });
    expect((await hostLocal({ impl: 'ours', command: 'DEL', id }, conf)).code).toBe(0);
    expect((await hostLocal({ impl: 'ours', command: 'STATUS' }, conf)).code).toBe(0);
  });

  it('unwritable data dir → code 50', async () => {
    const base = await ipamDataDir();
    const file = join(base, 'not-a-dir');
    writeFileSync(file, '');
    const r = await hostLocal({ impl: 'ours', command: 'STATUS' }, netconf(netName(), file, { subnet: '10.89.0.0/24' }, v11));
    expect(r.json).toMatchObject({ code: 50 });
    expect(r.json.msg).toMatch(/is not writable/);
  });

  it('STATUS with cniVersion 1.0.0 → code 1', async () => {
    const r = await hostLocal({ impl: 'ours', command: 'STATUS' }, netconf(netName(), await ipamDataDir(), { subnet: '10.88.0.0/24' }));
    expect(r.json.code).toBe(1);
  });
});
