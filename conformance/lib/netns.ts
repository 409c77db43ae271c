// Test network namespaces: created under the run's prefix and registered for cleanup; deleted
// together with the host ends of their veths.
import { run } from './exec.ts';
import { ipJson, links } from './kernel.ts';
import { netnsName } from './names.ts';
import { NETNS_DIR, registry, trackNetns } from './registry.ts';

export interface Netns {
  name: string;
  /** /var/run/netns/<name> — the CNI_NETNS value (cnitool hashes this exact string). */
  path: string;
}

/** `ip netns add <prefix>-<suffix>`; registered for cleanup. */
export async function createNetns(suffix?: string): Promise<Netns> {
  const name = netnsName(suffix);
  trackNetns(name);
  const r = await run('ip', ['netns', 'add', name]);
  if (r.code !== 0) throw new Error(`ip netns add ${name} failed: ${r.stderr.trim()}`);
  return { name, path: `${NETNS_DIR}/${name}` };
}

/**
 * Delete a netns and, first, the host ends of veths leading into it: the
 * kernel destroys a dead netns asynchronously, so without this the host-side
 * veth lingers for a while after `ip netns del` returns.
 */
export async function deleteNetns(ns: Netns | string): Promise<void> {
  const name = typeof ns === 'string' ? ns.replace(/^.*\//, '') : ns.name;
  await deleteHostPeers([name]).catch(() => undefined);
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && !/No such file|not found|Invalid argument/i.test(r.stderr)) {
    throw new Error(`ip netns del ${name} failed: ${r.stderr.trim()}`);
  }
  registry.netns.delete(name);
}

export async function listNetns(): Promise<Array<{ name: string; id?: number }>> {
  try {
    return await ipJson<Array<{ name: string; id?: number }>>(['netns', 'list']);
  } catch {
    return [];
  }
}

export async function deleteHostPeers(nsNames: string[]): Promise<void> {
  const ids = new Set((await listNetns()).filter((n) => nsNames.includes(n.name) && n.id !== undefined).map((n) => n.id!));
  if (ids.size === 0) return;
  for (const l of await links()) {
    if (l.link_netnsid !== undefined && ids.has(l.link_netnsid)) await delLink(l.ifname);
  }
}

export async function delLink(ifname: string, netns?: string): Promise<string | undefined> {
  const args = netns ? ['-n', netns, 'link', 'del', ifname] : ['link', 'del', ifname];
  const r = await run('ip', args);
  if (r.code === 0 || /Cannot find device|does not exist|No such|Invalid argument/i.test(r.stderr)) return undefined;
  return `ip ${args.join(' ')}: ${r.stderr.trim()}`;
}
