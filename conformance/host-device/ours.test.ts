// host-device beyond the reference: traffic through the device it was given, the lease released by
// a DEL without a namespace (upstream #1196), DEL after the device was renamed inside the container
// (#773), a failed ADD undone, bad input refused with nothing changed, and a caller that entered
// the node with setns() alone (/sys is then another namespace's).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { baseEnv, deleteNetns, haveOurBin, must, ourBin, refBin } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, DEV_MAC, ipam, leases, linksOf, makeEnv, ok, snapshot, tcpToPeer, tempNamespaces } from './helpers.ts';

useCleanup();

const A = 132;
const haveRef = existsSync(refBin('host-device'));

describe.skipIf(!haveOurBin('host-device'))('host-device (ours)', { timeout: 180_000 }, () => {
  it('traffic: the container reaches the LAN peer through the device (v4 and v6); after DEL the node has it back, UP, and reaches the peer', async () => {
    const e = await makeEnv('ours', A, 1);
    const c = conf(e, ipam(e, true));
    const res = await ok(e, 'ADD', c);
    expect(res.ips.map((i: { address: string }) => i.address)).toEqual([`${e.v4}10/24`, `${e.v6}10/64`]);
    expect(await tcpToPeer(e, `${e.v4}1`, 7001)).toBe('pong');
    expect(await tcpToPeer(e, `${e.v6}1`, 7002)).toBe('pong');
    await ok(e, 'DEL', { ...c, prevResult: res });
    expect(await linksOf(e.node)).toEqual([{ name: e.dev, up: true, mac: DEV_MAC, mtu: 1500, alias: '', addrs: [] }]);
    expect(leases(e)).toEqual([]);
    expect(tempNamespaces(e)).toEqual([]);
    // The node uses it again: an address on it reaches the peer.
    await must('ip', ['-n', e.node.name, 'addr', 'add', `${e.v4}2/24`, 'dev', e.dev]);
    const r = await must('ip', ['netns', 'exec', e.node.name, 'socat', '-T2', '-', `TCP4:${e.v4}1:7003,connect-timeout=1`], { input: '' }).catch(
      (err: Error) => err.message,
    );
    expect(typeof r).toBe('string'); // refused (no listener) or connected: either way the route and the link work
  });

  it.skipIf(!haveRef)('DEL without a namespace releases the lease (the reference returns first and leaks it: #1196)', async () => {
    const ref = await makeEnv('ref', A, 2);
    const ours = await makeEnv('ours', A, 3);
    for (const e of [ref, ours]) {
      const c = conf(e, ipam(e));
      await ok(e, 'ADD', c);
      expect(leases(e)).toHaveLength(1);
      await deleteNetns(e.ctr); // the runtime lost the sandbox; the kernel destroys the veth with it
      await ok(e, 'DEL', c, { netns: '' });
    }
    expect(leases(ref)).toHaveLength(1);
    expect(leases(ours)).toEqual([]);
  });

  it.skipIf(!haveRef)(
    'DEL after the device was renamed inside the container: ours finds it by alias and gives it back (the reference fails: #773)',
    async () => {
      const ref = await makeEnv('ref', A, 4);
      const ours = await makeEnv('ours', A, 5);
      for (const e of [ref, ours]) {
        await ok(e, 'ADD', conf(e));
        await must('ip', ['-n', e.ctr.name, 'link', 'set', 'eth0', 'name', 'renamed0']);
      }
      const rr = await call(ref, 'DEL', conf(ref));
      expect(rr.json?.msg).toMatch(/failed to find "eth0"/);
      await ok(ours, 'DEL', conf(ours));
      expect(await linksOf(ours.node)).toMatchObject([{ name: ours.dev, up: true, alias: '' }]);
      expect(await linksOf(ours.ctr)).toEqual([]);
      // Found by MAC too (hwaddr config, no saved state): a second container, renamed again.
      await ok(ours, 'ADD', conf(ours, { device: undefined, hwaddr: DEV_MAC }));
      await must('ip', ['-n', ours.ctr.name, 'link', 'set', 'eth0', 'name', 'other1']);
      await must('rm', ['-f', `/run/cni/host-device/${ours.cid}_eth0.json`]);
      await ok(ours, 'DEL', conf(ours, { device: undefined, hwaddr: DEV_MAC }));
      expect((await linksOf(ours.node)).map((l) => l.name)).toEqual([ours.dev]);
    },
  );

  it('a failed ADD (CNI_IFNAME taken in the container) gives the device back UP, under its name, and releases the lease', async () => {
    const e = await makeEnv('ours', A, 6);
    await must('ip', ['-n', e.ctr.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
    const before = await snapshot(e);
    const r = await call(e, 'ADD', conf(e, ipam(e)));
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/failed to move "eth0" .*to the container namespace: .*(File exists|exists)/);
    expect(await snapshot(e)).toEqual(before);
    expect(leases(e)).toEqual([]);
    expect(tempNamespaces(e)).toEqual([]);
  });

  it('an IPAM failure (exhausted range) after the move gives the device back', async () => {
    const e = await makeEnv('ours', A, 7);
    const before = await snapshot(e);
    // A /30 with .1 the gateway leaves .2, taken here by another container's lease file.
    mkdirSync(`${e.dataDir}/${e.net}`, { recursive: true });
    writeFileSync(`${e.dataDir}/${e.net}/${e.v4}2`, 'other-container');
    const c = conf(e, { ipam: { type: 'host-local', dataDir: e.dataDir, ranges: [[{ subnet: `${e.v4}0/30`, gateway: `${e.v4}1` }]] } });
    const r = await call(e, 'ADD', c);
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/no IP addresses available/);
    expect(await snapshot(e)).toEqual(before);
    expect(tempNamespaces(e)).toEqual([]);
  });

  it.each([
    ['a device that does not exist', { device: 'nosuchdev9' }, 999, /device: no link named "nosuchdev9"/],
    ['a malformed hwaddr', { device: undefined, hwaddr: '02:00:00:00:00' }, 7, /hwaddr: invalid MAC address/],
    ['an hwaddr no link has', { device: undefined, hwaddr: '02:00:00:99:99:99' }, 999, /hwaddr: no link with MAC 02:00:00:99:99:99/],
    ['a pciBusID with no device', { device: undefined, pciBusID: '0000:7f:1f.7' }, 999, /pciBusID: no PCI device "0000:7f:1f.7"/],
    ['a pciBusID with path syntax', { device: undefined, pciBusID: '../../../etc' }, 7, /pciBusID: .* is not a device name on a bus/],
    [
      'a kernelpath outside /sys/devices',
      { device: undefined, kernelpath: '/etc/passwd' },
      7,
      /kernelpath: kernel device path "\/etc\/passwd" must be absolute and begin with \/sys\/devices\//,
    ],
    ['a kernelpath with ..', { device: undefined, kernelpath: '/sys/devices/../../etc' }, 7, /kernelpath: .*"\.\."/],
    [
      'an unknown runtimeConfig.deviceID',
      { device: undefined, runtimeConfig: { deviceID: '0000:7f:1f.6' } },
      999,
      /runtimeConfig.deviceID: "0000:7f:1f.6" is neither/,
    ],
    ['no device key at all', { device: undefined }, 7, /specify either "device", "hwaddr", "kernelpath" or "pciBusID"/],
    ['a device name with batch syntax', { device: 'e0\nlink del' }, 7, /device: interface name contains/],
    ['a device name too long', { device: 'x'.repeat(16) }, 7, /device: interface name is too long/],
  ])('refuses %s: a spec error naming the field, nothing changed', async (_t, extra, code, re) => {
    const e = await makeEnv('ours', A, 8);
    const before = await snapshot(e);
    const r = await call(e, 'ADD', conf(e, { ...ipam(e), ...extra }));
    expect(r.code).toBe(1);
    expect(r.json.code, r.stdout).toBe(code);
    expect(r.json.msg).toMatch(re);
    expect(await snapshot(e)).toEqual(before);
    expect(leases(e)).toEqual([]);
  });

  it('run with setns() alone (nsenter --net, /sys still the host): ADD by name, CHECK, DEL', async () => {
    const e = await makeEnv('ours', A, 9);
    const c = conf(e, ipam(e));
    const res = await ok(e, 'ADD', c, { setnsOnly: true });
    expect((await linksOf(e.ctr))[0]).toMatchObject({ name: 'eth0', alias: e.dev, addrs: [`${e.v4}10/24`] });
    await ok(e, 'CHECK', { ...c, prevResult: res }, { setnsOnly: true });
    await ok(e, 'DEL', { ...c, prevResult: res }, { setnsOnly: true });
    expect((await linksOf(e.node)).map((l) => [l.name, l.up])).toEqual([[e.dev, true]]);
  });

  it('SIGKILL at a random point of ADD, then DEL: the device is back on the node, UP, under its name; no lease, no temporary namespace', {
    timeout: 240_000,
  }, async () => {
    const e = await makeEnv('ours', A, 11);
    const c = conf(e, ipam(e));
    let killed = 0;
    for (let t = 0; t < 6; t++) {
      const child = execa('nsenter', [`--net=${e.node.path}`, '--', ourBin('host-device')], {
        env: { ...baseEnv(), CNI_COMMAND: 'ADD', CNI_CONTAINERID: e.cid, CNI_NETNS: e.ctr.path, CNI_IFNAME: 'eth0', CNI_PATH: e.path },
        extendEnv: false,
        input: JSON.stringify(c),
        reject: false,
      });
      let done = false;
      void child.then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 900)));
      if (!done) killed++;
      child.kill('SIGKILL');
      await child;
      await new Promise((r) => setTimeout(r, 300)); // its ip children finish on their own
      await ok(e, 'DEL', c);
      expect(await linksOf(e.node), `trial ${t}`).toMatchObject([{ name: e.dev, up: true, alias: '' }]);
      expect(await linksOf(e.ctr)).toEqual([]);
      expect(leases(e)).toEqual([]);
      expect(tempNamespaces(e)).toEqual([]);
    }
    console.log(`host-device SIGKILL trials: 6 (${killed} killed mid-run)`);
  });

  it('CHECK names what is wrong: a missing interface, another MAC', async () => {
    const e = await makeEnv('ours', A, 10);
    const c = conf(e, ipam(e));
    const res = await ok(e, 'ADD', c);
    const badMac = { ...res, interfaces: [{ ...res.interfaces[0], mac: '02:00:00:00:00:77' }] };
    const r1 = await call(e, 'CHECK', { ...c, prevResult: badMac });
    expect(r1.json?.msg).toMatch(/Interface eth0 Mac 02:00:00:00:00:77 doesn't match container Mac/);
    const r2 = await call(e, 'CHECK', { ...conf(e), prevResult: res }, { ifname: 'eth9' });
    expect(r2.json?.msg).toMatch(/Sandbox in prevResult/);
    await ok(e, 'DEL', c);
  });
});
