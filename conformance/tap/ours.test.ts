// tap (not in Debian's 1.1.1, so no side-by-side run): the persistent tap made inside the
// container with the owner, group, queues, MTU and MAC asked for (`ip -d -j link show` shows the
// tun details), a port of the bridge inside the namespace, addresses from IPAM; DEL removes it
// and the lease; a failed rename reported with nothing left (the reference swallows it);
// selinuxContext refused where SELinux is absent; bad input refused with nothing changed.
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  containerId,
  createNetns,
  deleteNetns,
  haveOurBin,
  ipJson,
  makeTempDir,
  mixedCniPath,
  must,
  netName,
  ourBin,
  runPlugin,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup();

interface Env {
  ns: Netns;
  cid: string;
  net: string;
  dataDir: string;
  path: string;
  v4: string;
}

async function makeEnv(b: number): Promise<Env> {
  const ns = await createNetns();
  await must('ip', ['-n', ns.name, 'link', 'add', 'br0', 'type', 'bridge']);
  return {
    ns,
    cid: containerId(),
    net: netName(),
    dataDir: await makeTempDir('tap-ipam'),
    path: await mixedCniPath({ tap: 'ours', 'host-local': 'ref' }),
    v4: `10.133.${b}.`,
  };
}

const conf = (e: Env, extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.0.0',
  name: e.net,
  type: 'tap',
  ipam: { type: 'host-local', dataDir: e.dataDir, ranges: [[{ subnet: `${e.v4}0/24` }]], routes: [{ dst: '192.0.2.0/24' }] },
  ...extra,
});

type CallOpts = { netns?: string; ifname?: string; args?: string };
const run = (e: Env, command: string, c: unknown, o: CallOpts = {}) =>
  runPlugin(
    ourBin('tap'),
    { command, containerId: e.cid, netns: o.netns ?? e.ns.path, ifname: o.ifname ?? 'eth0', path: e.path, ...(o.args ? { args: o.args } : {}) },
    c as object,
  );

async function ok(e: Env, command: string, c: unknown, o: CallOpts = {}): Promise<any> {
  const r = await run(e, command, c, o);
  expect(r.code, `${command}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json;
}

interface TapLink {
  ifname: string;
  flags: string[];
  mtu: number;
  address: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  addr_info?: Array<{ local: string; prefixlen: number; scope: string }>;
}

const linksIn = async (e: Env): Promise<TapLink[]> =>
  (await ipJson<TapLink[]>(['-d', '-n', e.ns.name, 'addr', 'show'])).filter((l) => l.ifname !== 'lo' && l.ifname !== 'br0');
const leases = (e: Env): string[] => {
  try {
    return readdirSync(`${e.dataDir}/${e.net}`).filter((f) => /^[0-9.]+$/.test(f));
  } catch {
    return [];
  }
};

describe.skipIf(!haveOurBin('tap'))('tap (ours)', { timeout: 180_000 }, () => {
  it('creates the tap with owner, group, multi_queue, MTU and MAC, a port of the in-namespace bridge, with IPAM; CHECK passes; DEL removes it and the lease', async () => {
    const e = await makeEnv(1);
    const c = conf(e, { multiQueue: true, owner: 4242, group: 4243, mtu: 1400, mac: '02:00:00:00:33:01', bridge: 'br0' });
    const res = await ok(e, 'ADD', c);
    expect(res).toMatchObject({
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:33:01', sandbox: e.ns.path }],
      ips: [{ interface: 0, address: `${e.v4}2/24`, gateway: `${e.v4}1` }],
      routes: [{ dst: '192.0.2.0/24' }],
    });
    const [l] = await linksIn(e);
    expect(l).toMatchObject({ ifname: 'eth0', mtu: 1400, address: '02:00:00:00:33:01', master: 'br0' });
    expect(l!.flags).toContain('UP');
    expect(l!.linkinfo?.info_kind).toBe('tun');
    // Owner and group both set: the reference's netlink path, with a virtio-net header.
    expect(l!.linkinfo?.info_data).toMatchObject({ type: 'tap', pi: false, vnet_hdr: true, multi_queue: true, persist: true, user: 4242, group: 4243 });
    expect(l!.addr_info?.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${e.v4}2/24`]);
    expect(await must('ip', ['netns', 'exec', e.ns.name, 'cat', '/proc/sys/net/ipv4/conf/eth0/arp_notify'])).toMatch(/^1/);
    await ok(e, 'CHECK', { ...c, prevResult: res });
    // CHECK notices a missing address.
    const bad = await run(e, 'CHECK', { ...c, prevResult: { ...res, ips: [{ ...res.ips[0], address: `${e.v4}99/24` }] } });
    expect(bad.json?.msg).toMatch(new RegExp(`Failed to match addr ${e.v4.replaceAll('.', '\\.')}99/24 on interface eth0`));
    await ok(e, 'DEL', { ...c, prevResult: res });
    expect(await linksIn(e)).toEqual([]);
    expect(leases(e)).toEqual([]);
    await ok(e, 'DEL', c); // again: nothing left, success
  });

  it('layer 2, no owner or group: a plain tap (no vnet_hdr), up, no addresses; the MAC from CNI_ARGS, then runtimeConfig', async () => {
    const e = await makeEnv(2);
    const c = { cniVersion: '1.0.0', name: e.net, type: 'tap' };
    const res = await ok(e, 'ADD', c, { args: 'IgnoreUnknown=1;MAC=02:00:00:00:33:02' });
    expect(res.interfaces[0].mac).toBe('02:00:00:00:33:02');
    expect(res.ips).toBeUndefined();
    const [l] = await linksIn(e);
    expect(l!.linkinfo?.info_data).toMatchObject({ type: 'tap', vnet_hdr: false, multi_queue: false, persist: true });
    expect(l!.linkinfo?.info_data?.user).toBeUndefined();
    expect(l!.flags).toContain('UP');
    await ok(e, 'DEL', c);
    const rc = { ...c, runtimeConfig: { mac: '02:00:00:00:33:03' } };
    expect((await ok(e, 'ADD', rc, { args: 'MAC=02:00:00:00:33:02' })).interfaces[0].mac).toBe('02:00:00:00:33:03');
    await ok(e, 'DEL', rc);
  });

  it('a failed rename (CNI_IFNAME taken) is reported, and nothing is left: no tap under its temporary name, no lease', async () => {
    const e = await makeEnv(3);
    await must('ip', ['-n', e.ns.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    const r = await run(e, 'ADD', conf(e, { owner: 4242 }));
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/failed to rename tap to "eth0": .*File exists/);
    expect((await linksIn(e)).map((l) => l.ifname).sort()).toEqual(['eth0', 'peer0']);
    expect(leases(e)).toEqual([]);
  });

  it.skipIf(existsSync('/sys/fs/selinux/enforce'))('selinuxContext without SELinux: a clear error naming the key, nothing created', async () => {
    const e = await makeEnv(4);
    const r = await run(e, 'ADD', conf(e, { selinuxContext: 'system_u:system_r:container_t:s0' }));
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/selinuxContext: SELinux is not enabled on this node/);
    expect(await linksIn(e)).toEqual([]);
    expect(leases(e)).toEqual([]);
  });

  it.each([
    ['a malformed mac', { mac: '02:00:00:00:00' }, 7, /mac: invalid MAC address/],
    ['a MAC that is not Ethernet', { mac: '02:00:00:00:00:00:00:01' }, 7, /mac: invalid MAC address/],
    ['a bridge that does not exist', { bridge: 'nosuchbr0' }, 999, /bridge: failed to get bridge nosuchbr0: no link of that name/],
    ['a bridge name with batch syntax', { bridge: 'br0\nlink del' }, 7, /bridge: interface name contains/],
    ['a negative owner', { owner: -1 }, 7, /owner: must be at least 0/],
    ['a group too large', { group: 2 ** 32 }, 7, /group: must be at most/],
    ['an MTU as a string', { mtu: '1400' }, 7, /mtu: /],
    ['an MTU the kernel refuses', { mtu: 70000 }, 999, /failed to create tap: /],
    ['a malformed selinuxContext', { selinuxContext: 'x y' }, 7, /selinuxContext: "x y" is not an SELinux label/],
  ])('refuses %s: an error naming it, nothing changed', async (_t, extra, code, re) => {
    const e = await makeEnv(5);
    const r = await run(e, 'ADD', conf(e, extra));
    expect(r.code).toBe(1);
    expect(r.json.code, r.stdout).toBe(code);
    expect(r.json.msg).toMatch(re);
    expect(await linksIn(e)).toEqual([]);
    expect(leases(e)).toEqual([]);
  });

  it('DEL with the namespace gone or CNI_NETNS empty still releases the lease', async () => {
    const e = await makeEnv(6);
    const c = conf(e);
    await ok(e, 'ADD', c);
    expect(leases(e)).toHaveLength(1);
    await deleteNetns(e.ns);
    await ok(e, 'DEL', c, { netns: '' });
    expect(leases(e)).toEqual([]);
  });
});
