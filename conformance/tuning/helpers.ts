// tuning conformance helpers: a test namespace holding a veth pair (the "container" end eth0 with
// a fixed MAC, so ours and the reference start from identical links), direct calls of either
// implementation, and a snapshot of what tuning touches: the link, sysctls, the state files.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binFor, containerId, createNetns, makeTempDir, must, nsExec, runPlugin, type Impl, type Netns, type PluginResult } from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;
export const START_MAC = '02:00:00:00:02:aa';

export interface Env {
  impl: Impl;
  ns: Netns;
  cid: string;
  ifname: string;
  dataDir: string;
}

/** A namespace with `ifname` (a veth whose peer stays in the same namespace). */
export async function makeEnv(impl: Impl, ifname = 'eth0', cid = containerId()): Promise<Env> {
  const ns = await createNetns();
  await must('ip', ['-n', ns.name, 'link', 'add', ifname, 'address', START_MAC, 'type', 'veth', 'peer', 'name', 'peer0']);
  return { impl, ns, cid, ifname, dataDir: await makeTempDir('tuning') };
}

export const PREV = (ns: string, ifname = 'eth0') => ({
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'veth-host', mac: '02:00:00:00:00:01' },
    { name: ifname, mac: START_MAC, sandbox: ns },
  ],
  ips: [{ address: '10.202.0.2/24', gateway: '10.202.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: { nameservers: ['10.202.0.1'] },
});

export function conf(e: Env, extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  return {
    cniVersion,
    name: 'tuning-test',
    type: 'tuning',
    dataDir: e.dataDir,
    prevResult: { ...PREV('/var/run/netns/container', e.ifname), cniVersion },
    ...extra,
  };
}

export interface CallOpts {
  args?: string;
  ifname?: string;
  netns?: string;
  bin?: string;
}

export function call(e: Env, command: string, c: unknown, o: CallOpts = {}): Promise<PluginResult> {
  return runPlugin(
    o.bin ?? binFor(e.impl, 'tuning'),
    {
      command,
      containerId: e.cid,
      netns: o.netns ?? e.ns.path,
      ifname: o.ifname ?? e.ifname,
      ...(o.args !== undefined ? { args: o.args } : {}),
    },
    c as object,
  );
}

/** Keys every snapshot reads; `IFNAME` stands for the env's interface. */
export const SYSCTLS = [
  'net/ipv4/conf/IFNAME/arp_ignore',
  'net/ipv4/conf/IFNAME/rp_filter',
  'net/core/somaxconn',
  'net/ipv4/ip_forward',
  'net/ipv6/conf/IFNAME/accept_ra',
];

export interface Snapshot {
  link: Record<string, unknown> | undefined;
  sysctl: Record<string, string>;
  files: Record<string, string>;
}

export async function snapshot(e: Env): Promise<Snapshot> {
  const links = JSON.parse(await must('ip', ['-n', e.ns.name, '-j', '-d', 'link', 'show'])) as Array<Record<string, any>>;
  const l = links.find((x) => x.ifname === e.ifname);
  const sysctl: Record<string, string> = {};
  const paths = SYSCTLS.map((k) => k.replace('IFNAME', e.ifname));
  const r = await nsExec(e.ns.path, 'sysctl', paths);
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) sysctl[line.slice(0, i).replace(e.ifname.replaceAll('.', '/'), 'IFNAME')] = line.slice(i + 3);
  }
  const files: Record<string, string> = {};
  for (const f of await readdir(e.dataDir).catch(() => [] as string[])) {
    files[f.replace(e.cid, 'CID')] = await readFile(join(e.dataDir, f), 'utf8');
  }
  return {
    link: l && {
      address: l.address,
      mtu: l.mtu,
      txqlen: l.txqlen,
      promiscuity: l.promiscuity,
      allmulti: l.allmulti,
      flags: [...(l.flags as string[])].sort(),
    },
    sysctl,
    files,
  };
}
