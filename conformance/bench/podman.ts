// podman's view, the figure users feel: `podman run --rm --network NET <busybox> true` on a
// `podman network create`d bridge network (bridge, portmap, firewall, tuning; podman's CNI
// backend) with our executables and with the Go plugins, interleaved, medians; `--network none`
// as the floor; netavark, podman's own backend, when it is installed. Each configuration is an
// isolated podman (conformance/podman/env.ts) with its own network, subnet and bridge.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, run } from '../lib/index.ts';
import { freeSubnet, havePodman, importBusyboxImage, makePodman, type Podman, type PodmanOptions } from '../podman/env.ts';
import { median, OURS, prefix, REF, RUNS, type Row } from './measure.ts';

interface Setup {
  p: Podman;
  image: string;
  net: string;
  bridge: string;
}

async function setUp(label: string, opts: PodmanOptions): Promise<Setup> {
  const p = await makePodman(opts);
  const image = await importBusyboxImage(p);
  const sub = await freeSubnet();
  const net = `${prefix}-pm-${label}`;
  p.networks.add(net);
  p.bases.add(sub.base);
  await p.must(['network', 'create', '--subnet', sub.subnet, net]);
  // Our own bridge name: each podman numbers its cni-podmanN bridges from 1, so two would share
  // one. podman 4.3 has no --interface-name; it reads the conflist it wrote on every run.
  const bridge = `${prefix}pm${label[0]}`;
  const file = join(p.netDir, `${net}.conflist`);
  if (existsSync(file)) {
    const conf = JSON.parse(readFileSync(file, 'utf8')) as { plugins: Array<{ type: string; bridge?: string }> };
    conf.plugins[0]!.bridge = bridge;
    writeFileSync(file, JSON.stringify(conf, null, 2));
  }
  return { p, image, net, bridge };
}

const NETAVARK = '/usr/lib/podman/netavark';

export async function podman(rows: Row[]): Promise<void> {
  if (!havePodman()) {
    console.log('podman: skipped (not installed)');
    return;
  }
  const bridges: string[] = [];
  try {
    const setups: Record<string, Setup> = {
      ours: await setUp('ours', { pluginDir: OURS }),
      ref: await setUp('ref', { pluginDir: REF }),
    };
    if (existsSync(NETAVARK)) setups.netavark = await setUp('netavark', { backend: 'netavark' });
    for (const s of Object.values(setups)) bridges.push(s.bridge);
    // The network podman wrote is bridge, portmap, firewall, tuning: the chain this measures.
    const conf = JSON.parse(readFileSync(join(setups.ours!.p.netDir, `${setups.ours!.net}.conflist`), 'utf8')) as { plugins: Array<{ type: string }> };
    const chain = conf.plugins.map((x) => x.type).join(', ');

    const once = async (s: Setup, net: string): Promise<number> => {
      const t0 = performance.now();
      const r = await s.p.pm(['run', '--rm', '--network', net, '--cgroup-parent', s.p.cgroupParent, s.image, 'true'], 60_000);
      const ms = performance.now() - t0;
      if (r.code !== 0) throw new Error(`podman run --network ${net} failed (exit ${r.code}): ${r.stderr.trim()}`);
      return ms;
    };
    const jobs: Array<[string, () => Promise<number>]> = [
      ...Object.entries(setups).map(([k, s]): [string, () => Promise<number>] => [k, () => once(s, s.net)]),
      ['none', () => once(setups.ours!, 'none')],
    ];
    const ms: Record<string, number[]> = Object.fromEntries(jobs.map(([k]) => [k, []]));
    for (const [, job] of jobs) await job(); // first runs (image, network state) are not counted
    for (let i = 0; i < RUNS; i++) {
      for (const [k, job] of i % 2 ? [...jobs].reverse() : jobs) ms[k]!.push(await job());
    }
    const none = median(ms.none!);
    rows.push({ op: `podman run --rm, CNI bridge network (${chain})`, ours: median(ms.ours!), ref: median(ms.ref!), runs: RUNS, floor: none });
    rows.push({ op: 'podman run --rm --network none (floor)', ours: none, ref: NaN, runs: RUNS });
    if (ms.netavark) rows.push({ op: 'podman run --rm: ours vs netavark backend', ours: median(ms.ours!), ref: median(ms.netavark), runs: RUNS });
    else console.log(`podman: no netavark row (${NETAVARK} is not installed)`);
  } finally {
    await cleanup();
    // podman leaves the bridges it created behind (the CNI DEL never removes a bridge).
    for (const b of bridges) await run('ip', ['link', 'del', b]);
  }
}
