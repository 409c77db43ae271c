// sbr conformance helpers: a container namespace whose eth0 (a veth, its peer p0 in the same
// namespace) carries the addresses and routes a main plugin would have set, direct calls of
// either implementation, and a snapshot of what sbr touches: rules and every table's routes.
import { binFor, createNetns, must, nextId, runPlugin, type Impl, type Netns, type PluginResult } from '../lib/index.ts';

export const IMPLS = ['ref', 'ours'] as const;

export interface Addr {
  cidr: string;
  gateway?: string;
}

/** A namespace with eth0 holding `addrs`, and a default route per family via the first gateway. */
export async function makeCtr(addrs: Addr[], extra: string[] = []): Promise<Netns> {
  const ns = await createNetns(`sbr${nextId()}`);
  const script = [
    'link add eth0 type veth peer name p0',
    'link set eth0 up',
    'link set p0 up',
    ...addrs.map((a) => `addr add ${a.cidr} dev eth0${a.cidr.includes(':') ? ' nodad' : ''}`),
    ...[false, true].flatMap((v6) => {
      const gw = addrs.find((a) => a.gateway && a.cidr.includes(':') === v6)?.gateway;
      return gw ? [`route add default via ${gw} dev eth0`] : [];
    }),
    ...extra,
  ];
  await must('ip', ['-n', ns.name, '-batch', '-'], { input: `${script.join('\n')}\n` });
  return ns;
}

export function conf(ns: Netns, addrs: Addr[], extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  return {
    cniVersion,
    name: 'sbr-test',
    type: 'sbr',
    prevResult: {
      cniVersion,
      interfaces: [{ name: 'eth0', sandbox: ns.path }],
      ips: addrs.map((a) => ({ address: a.cidr, ...(a.gateway ? { gateway: a.gateway } : {}), interface: 0 })),
    },
    ...extra,
  };
}

export function call(impl: Impl, ns: Netns, command: string, cf: unknown, ifname = 'eth0'): Promise<PluginResult> {
  return runPlugin(binFor(impl, 'sbr'), { command, containerId: 'ctr-sbr', netns: ns.path, ifname }, cf as object);
}

export interface Snapshot {
  rules: string[];
  routes: string[];
}

/** Rules of both families and the routes of every table but local, as `ip` prints them. */
export async function snapshot(ns: Netns): Promise<Snapshot> {
  const lines = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const rules = [...lines(await must('ip', ['-n', ns.name, '-4', 'rule'])), ...lines(await must('ip', ['-n', ns.name, '-6', 'rule']))];
  const routes = [
    ...lines(await must('ip', ['-n', ns.name, '-4', 'route', 'show', 'table', 'all'])),
    ...lines(await must('ip', ['-n', ns.name, '-6', 'route', 'show', 'table', 'all'])),
  ];
  return { rules, routes: routes.filter((r) => !/table local/.test(r)).sort() };
}
