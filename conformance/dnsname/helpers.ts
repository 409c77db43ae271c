// dnsname conformance helpers: a bridge + host-local + dnsname conflist run by cnitool, containers
// in namespaces, DNS lookups from inside them (busybox nslookup), the network's directory and its
// dnsmasq. Every dnsmasq a test brings up is stopped by PID at cleanup, even when the test fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bridgeName,
  cnitool,
  createNetns,
  iptablesSave,
  makeConfDir,
  makeTempDir,
  mixedCniPath,
  netName,
  nsExec,
  onCleanup,
  trackLink,
  writeConflist,
  type Impl,
  type Netns,
  type PluginResult,
} from '../lib/index.ts';
import { DNSNAME_ROOT } from '../lib/cleanup.ts';

export const DOMAIN = 'dns.test';
export const dirOf = (net: string): string => join(DNSNAME_ROOT, net);

export function readIn(net: string, file: string): string | undefined {
  try {
    return readFileSync(join(dirOf(net), file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The PID in the network's pidfile. */
export function pidOf(net: string): number | undefined {
  const t = readIn(net, 'pidfile')?.trim();
  return t && /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The dnsmasq of `net`, if running: a live process whose command line names its dnsmasq.conf. */
export function dnsmasqOf(net: string): number | undefined {
  const pid = pidOf(net);
  if (pid === undefined || !alive(pid)) return undefined;
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return argv.includes(`--conf-file=${join(dirOf(net), 'dnsmasq.conf')}`) ? pid : undefined;
}

/** Register `net` so that cleanup stops its dnsmasq by PID (ours never leaves one; the reference may). */
export function stopAtCleanup(net: string): void {
  onCleanup(() => {
    const pid = dnsmasqOf(net);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  });
}

/** The session ID of a process (field 6 of /proc/PID/stat). */
export function sessionOf(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

/** The INPUT rules that open DNS on `bridge`. */
export async function dnsRules(bridge: string): Promise<string[]> {
  return (await iptablesSave('filter')).split('\n').filter((l) => l.startsWith('-A INPUT') && l.includes(` ${bridge} `) && l.includes('--dport 53'));
}

export interface Net {
  name: string;
  bridge: string;
  confDir: string;
  cniPath: string;
  subnet: string;
  /** "10.170.1." for 10.170.1.0/24: the gateway (and nameserver) is prefix + "1". */
  prefix: string;
}

export interface NetOptions {
  dnsname: Impl;
  /** The third octet of 10.<a>.<b>.0/24. */
  a: number;
  b: number;
  name?: string;
  bridge?: string;
  cniVersion?: string;
}

/** A bridge (ours) + host-local (ours) + dnsname (`dnsname`) network, written for cnitool. */
export async function makeNet(o: NetOptions): Promise<Net> {
  const name = o.name ?? netName();
  const bridge = o.bridge ?? bridgeName();
  trackLink(bridge);
  stopAtCleanup(name);
  const dataDir = await makeTempDir('ipam');
  const confDir = await makeConfDir();
  const subnet = `10.${o.a}.${o.b}.0/24`;
  await writeConflist(confDir, {
    cniVersion: o.cniVersion ?? '1.0.0',
    name,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', dataDir, ranges: [[{ subnet }]] } },
      { type: 'dnsname', domainName: DOMAIN, capabilities: { aliases: true } },
    ],
  });
  const cniPath = await mixedCniPath({ bridge: 'ours', 'host-local': 'ours', dnsname: o.dnsname });
  return { name, bridge, confDir, cniPath, subnet, prefix: `10.${o.a}.${o.b}.` };
}

/** Another conflist directory for the same network, using the other dnsname. */
export async function withDnsname(net: Net, impl: Impl): Promise<Net> {
  return { ...net, cniPath: await mixedCniPath({ bridge: 'ours', 'host-local': 'ours', dnsname: impl }) };
}

export interface Ctr {
  ns: Netns;
  name: string;
  aliases: string[];
}

export async function newCtr(name: string, aliases: string[] = []): Promise<Ctr> {
  return { ns: await createNetns(), name, aliases };
}

/** cnitool `verb` for one container: K8S_POD_NAME and the aliases capability as podman passes them. */
export async function cni(verb: 'add' | 'check' | 'del', net: Net, c: Ctr): Promise<PluginResult> {
  return cnitool(verb, net.name, c.ns.path, {
    confDir: net.confDir,
    cniPath: net.cniPath,
    cniArgs: `IgnoreUnknown=1;K8S_POD_NAME=${c.name}`,
    capArgs: { aliases: { [net.name]: c.aliases } },
    // Rootful podman blanks it: the reference root, /run/containers/cni/dnsname.
    extraEnv: { XDG_RUNTIME_DIR: undefined },
  });
}

export async function mustCni(verb: 'add' | 'check' | 'del', net: Net, c: Ctr): Promise<PluginResult> {
  const r = await cni(verb, net, c);
  if (r.code !== 0) throw new Error(`cnitool ${verb} ${c.name}: ${r.stdout}${r.stderr}`);
  return r;
}

/** The container's IPv4 address from an ADD result. */
export const ipOf = (r: PluginResult): string => String((r.json.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!;

/** The IPv4 addresses `name` resolves to, asked from inside `ns` of the DNS server `server`. */
export async function lookup(ns: Netns, name: string, server: string): Promise<string[]> {
  const r = await nsExec(ns.path, 'busybox', ['nslookup', '-type=a', name, server], { timeoutMs: 10_000 });
  const out = r.stdout.split('\n');
  const i = out.findIndex((l) => l.startsWith('Name:'));
  if (i < 0) return [];
  return out
    .slice(i)
    .map((l) => /^Address:\s*([0-9.]+)\s*$/.exec(l)?.[1])
    .filter((a): a is string => a !== undefined);
}
