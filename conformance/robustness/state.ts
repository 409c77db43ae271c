// Nets, containers and before/after state of the chain suites (faults, retry): what a failed or
// killed call must leave exactly as it was.
import { randomInt } from 'node:crypto';
import { bridgeName, containerId, createNetns, deleteNetns, diffHostState, ipamDataDir, netName, snapshotHost, type HostSnapshot } from '../lib/index.ts';
import { addChain, delChain, type Container, type Net } from './chain.ts';
import { foreignLinks } from './runner.ts';

let port = 28_100 + randomInt(0, 800) * 10;
export const nextPort = () => port++;

export async function newNet(subnet: string, extra: Partial<Net> = {}): Promise<Net> {
  return { name: netName(), bridge: bridgeName(), dataDir: await ipamDataDir(), subnet, ...extra };
}
export async function newCtr(): Promise<Container> {
  return { id: containerId(), netns: (await createNetns()).path, hostPort: nextPort() };
}
export const nsName = (c: Container) => c.netns.replace(/^.*\//, '');

/** Host + container-namespace state (the bridge itself is shared infrastructure, made by warm-up). */
export async function snap(n: Net, c?: Container): Promise<HostSnapshot[]> {
  const out = [await snapshotHost({ dirs: [n.dataDir] })];
  if (c) out.push(await snapshotHost({ netns: nsName(c) }));
  return out;
}
// IPv6 link-local addresses (and their local/anycast routes) come and go with carrier, by the
// kernel's addrconf, asynchronously: never plugin state.
const linkLocal = (sec: string, e: string) => sec === 'routes' && /"dst":"fe80:/.test(e);
const lockOrCursor = (n: Net) => (sec: string, e: string) =>
  linkLocal(sec, e) || (sec === 'files' && (e.endsWith('/lock') || e.includes('/last_reserved_ip.') || e === `${n.dataDir}/${n.name}`));
export function diff(n: Net, a: HostSnapshot[], b: HostSnapshot[]): string[] {
  // last_reserved_ip moves with every successful ADD: only leases are state a DEL must undo. The
  // bridge's carrier (and with it route flags, link-local routes) follows its ports asynchronously:
  // compare its non-link-local addresses instead of its link state.
  const brAddrs = (s: HostSnapshot) => JSON.stringify((s.addrs[n.bridge] ?? []).filter((x) => !x.includes('fe80:')));
  const out = a.flatMap((s, i) =>
    diffHostState(s, b[i]!, { ignore: lockOrCursor(n), ignoreLink: (l) => (i === 0 && l === n.bridge) || foreignLinks(s, b[i]!)(l) }).map((d) =>
      i ? `netns ${d}` : d,
    ),
  );
  if (brAddrs(a[0]!) !== brAddrs(b[0]!)) out.push(`addrs of ${n.bridge}: ${brAddrs(a[0]!)} => ${brAddrs(b[0]!)}`);
  return out;
}

/** One ADD+DEL so the bridge, shared chains and tables exist before the before-snapshots. */
export async function warmUp(n: Net): Promise<void> {
  const c = await newCtr();
  const r = await addChain(n, c);
  await delChain(n, c, r);
  await deleteNetns(nsName(c));
}
