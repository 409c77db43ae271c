// tuning behaviour beyond the reference: hostile input refused with nothing changed, a failed ADD
// undone, DEL with nothing left, txQLen, dotted interface names, the sysctl allowlist.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteNetns, exclusiveHost, haveOurBin, must } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, makeEnv, snapshot, START_MAC, type Env } from './helpers.ts';

useCleanup({ scope: 'all' });

let shared: Env | undefined;
const sharedEnv = async () => (shared ??= await makeEnv('ours'));

describe.skipIf(!haveOurBin('tuning'))('tuning (ours)', () => {
  it.each([
    ['sysctl key with ../', { sysctl: { 'net/../kernel/hostname': 'x' } }, /sysctl: key .*"\.\."/],
    ['sysctl key outside net.', { sysctl: { 'kernel.hostname': 'pwned' } }, /is not a net\.\* sysctl/],
    ['sysctl key with a newline', { sysctl: { 'net.core.somaxconn\nkernel.hostname': '1' } }, /control characters/],
    ['sysctl key with a NUL', { sysctl: { 'net.core.somaxconn\u0000': '1' } }, /control characters/],
    ['sysctl value with a newline', { sysctl: { 'net.core.somaxconn': '512\nnet.ipv4.ip_forward=1' } }, /value of "net.core.somaxconn": contains control/],
    ['sysctl key with =', { sysctl: { 'net.core.somaxconn=1': '512' } }, /contains "="/],
    ['mac with batch syntax', { mac: '02:00:00:00:00:01\nlink del peer0' }, /mac: invalid MAC address/],
    ['mac with a space', { mac: '02:00:00:00:00:01 mtu 9000' }, /mac: invalid MAC address/],
    ['negative mtu', { mtu: -1 }, /mtu: must be at least 0/],
    ['fractional mtu', { mtu: 1400.5 }, /mtu: must be a whole number/],
    ['mtu as a string', { mtu: '1400; rm' }, /mtu: /],
    ['txQLen too large', { txQLen: 2 ** 32 }, /txQLen: must be at most/],
    ['dataDir with ../', { dataDir: '/tmp/../etc' }, /dataDir: .*"\.\." components/],
    ['dataDir relative', { dataDir: 'state' }, /dataDir: .*not an absolute path/],
    ['dataDir with a newline', { dataDir: '/tmp/a\nb' }, /dataDir: contains control characters/],
  ])('refuses %s with nothing changed', async (_t, extra, re) => {
    const e = await sharedEnv();
    const before = await snapshot(e);
    const c = conf(e, { sysctl: { 'net.core.somaxconn': '777' }, mtu: 1400, mac: '02:00:00:00:00:09', ...extra });
    const r = await call(e, 'ADD', c);
    expect(r.code).toBe(1);
    expect(r.json.code, r.stdout).toBe(7);
    expect(r.json.msg).toMatch(re);
    expect(await snapshot(e)).toEqual(before);
  });

  it.each([
    ['ifname with ../', '../eth0', /CNI_IFNAME: interface name contains \//],
    ['ifname with a newline', 'eth0\nx', /CNI_IFNAME: interface name contains/],
    ['ifname too long', 'eth0123456789012', /CNI_IFNAME: interface name is too long/],
  ])('refuses %s', async (_t, ifname, re) => {
    const e = await sharedEnv();
    const before = await snapshot(e);
    const r = await call(e, 'ADD', conf(e, { mtu: 1400, sysctl: { 'net.ipv4.conf.IFNAME.arp_ignore': '1' } }), { ifname });
    expect(r.json.code, r.stdout).toBe(4);
    expect(r.json.msg).toMatch(re);
    expect(await snapshot(e)).toEqual(before);
  });

  it('a failed ADD undoes its sysctls, link changes and state file; a previous file is kept', async () => {
    const e = await makeEnv('ours');
    const file = join(e.dataDir, `${e.cid}_eth0.json`);
    writeFileSync(file, '{\n "mtu": 1234\n}');
    const before = await snapshot(e);
    // The MAC and promisc go first, then the MTU fails in the kernel (veth max 65535).
    const c = conf(e, { sysctl: { 'net.core.somaxconn': '333', 'net.ipv4.conf.IFNAME.arp_ignore': '2' }, mac: '02:00:00:00:00:44', promisc: true, mtu: 70000 });
    const r = await call(e, 'ADD', c);
    expect(r.code, r.stdout).toBe(1);
    expect(r.json.msg).toMatch(/mtu/i);
    expect(await snapshot(e)).toEqual(before);
    // A sysctl that does not exist fails ADD after the others were written: they are put back.
    const r2 = await call(e, 'ADD', conf(e, { sysctl: { 'net.core.somaxconn': '333', 'net.ipv4.no_such_key': '1' }, mtu: 1400 }));
    expect(r2.code, r2.stdout).toBe(1);
    expect(r2.json.msg).toMatch(/no_such_key/);
    expect(await snapshot(e)).toEqual(before);
    // The link is missing: the sysctls already written are put back.
    const r3 = await call(e, 'ADD', conf(e, { sysctl: { 'net.core.somaxconn': '333' }, mtu: 1400 }), { ifname: 'nosuch0' });
    expect(r3.json.msg).toBe('failed to get "nosuch0": Link not found');
    expect(await snapshot(e)).toEqual(before);
  });

  it('DEL succeeds with nothing left: no file, corrupt file, namespace gone, no netns, link gone', async () => {
    const e = await makeEnv('ours');
    const c = conf(e, { mtu: 1400 });
    expect((await call(e, 'DEL', c)).code).toBe(0);
    const file = join(e.dataDir, `${e.cid}_eth0.json`);
    writeFileSync(file, '{"mtu": ');
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect(existsSync(file)).toBe(false);
    // An ADD killed between writing its temp file and the rename (found by the SIGKILL suite): the
    // temp file of a writer that is gone (a pid above Linux's limit) goes with DEL, file or not.
    const orphan = `${file}.tmp-4194305`;
    writeFileSync(orphan, '');
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect(existsSync(orphan)).toBe(false);
    for (const how of ['no netns', 'link gone', 'netns gone'] as const) {
      expect((await call(e, 'ADD', c)).code).toBe(0);
      expect(existsSync(file)).toBe(true);
      if (how === 'link gone') await must('ip', ['-n', e.ns.name, 'link', 'del', 'eth0']);
      if (how === 'netns gone') await deleteNetns(e.ns);
      const r = await call(e, 'DEL', c, how === 'no netns' ? { netns: '' } : {});
      expect(r.code, `${how}: ${r.stdout}`).toBe(0);
      expect(existsSync(file), how).toBe(false);
      if (how === 'link gone') await must('ip', ['-n', e.ns.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    }
  });

  it('txQLen (upstream after 1.1.1): set, checked, restored', async () => {
    const e = await makeEnv('ours');
    const before = await snapshot(e);
    const c = conf(e, { txQLen: 42, args: { cni: { txQLen: 77 } } });
    const add = await call(e, 'ADD', c);
    expect(add.code, add.stdout).toBe(0);
    const mid = await snapshot(e);
    expect(mid.link!.txqlen).toBe(77);
    expect(mid.files).toEqual({ 'CID_eth0.json': '{\n "txQLen": 1000\n}' });
    expect((await call(e, 'CHECK', { ...c, prevResult: add.json })).code).toBe(0);
    const bad = await call(e, 'CHECK', { ...conf(e, { txQLen: 5 }), prevResult: add.json });
    expect(bad.json.msg).toBe('Error: Tuning configured Transmit Queue Length of eth0 is 5, current value is 77');
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect(await snapshot(e)).toEqual(before);
  });

  it('IFNAME in a sysctl key with a dotted interface name (upstream fix 198ab129), CHECK of the values', async () => {
    const e = await makeEnv('ours', 'eth0.5');
    const c = conf(e, { sysctl: { 'net.ipv4.conf.IFNAME.arp_ignore': '2', 'net.ipv6.conf.IFNAME.accept_ra': '0' }, mac: '02:00:00:00:05:05' });
    const add = await call(e, 'ADD', c);
    expect(add.code, add.stdout).toBe(0);
    const s = await snapshot(e);
    expect(s.sysctl['net.ipv4.conf.IFNAME.arp_ignore']).toBe('2');
    expect(s.sysctl['net.ipv6.conf.IFNAME.accept_ra']).toBe('0');
    expect(add.json.interfaces[1]).toMatchObject({ name: 'eth0.5', mac: '02:00:00:00:05:05' });
    expect((await call(e, 'CHECK', { ...c, prevResult: add.json })).code).toBe(0);
    const bad = await call(e, 'CHECK', { ...conf(e, { sysctl: { 'net.ipv4.conf.IFNAME.arp_ignore': '1' } }), prevResult: add.json });
    expect(bad.json.msg).toBe('Error: Tuning configured value of /proc/sys/net/ipv4/conf/eth0.5/arp_ignore is 1, current value is 2');
    expect((await call(e, 'DEL', c)).code).toBe(0);
    expect((await snapshot(e)).link!.address).toBe(START_MAC);
  });

  it('the sysctl allowlist /etc/cni/tuning/allowlist.conf (upstream after 1.1.1)', async () => {
    const dir = '/etc/cni/tuning';
    const file = join(dir, 'allowlist.conf');
    if (existsSync(file)) return; // the host has its own allowlist: leave it alone
    const e = await makeEnv('ours');
    // Exclusive: no other test's plugin runs while the file exists.
    await exclusiveHost(async () => {
      const madeDir = !existsSync(dir);
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(file, '^net\\.core\\.somaxconn$\n\n^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+$\n');
        const ok = await call(e, 'ADD', conf(e, { sysctl: { 'net.core.somaxconn': '300', 'net.ipv4.conf.IFNAME.arp_ignore': '1' } }));
        expect(ok.code, ok.stdout).toBe(0);
        const before = await snapshot(e);
        const no = await call(e, 'ADD', conf(e, { sysctl: { 'net.core.somaxconn': '301', 'net.ipv4.ip_forward': '1' } }));
        expect(no.json.msg).toBe(
          'Sysctl net.ipv4.ip_forward is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$ ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+$]',
        );
        expect(await snapshot(e)).toEqual(before);
      } finally {
        rmSync(file, { force: true });
        if (madeDir && readdirSync(dir).length === 0) rmdirSync(dir);
      }
    });
  });
});
