// CNI_NETNS that exists but is no network namespace: another namespace type (through /proc or a
// bind mount, which share nsfs with network namespaces), a FIFO, a socket or a device node. Every
// plugin refuses it with code 4 naming the path, within a second, before touching anything.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  containerId,
  createNetns,
  diffHostState,
  exclusiveHost,
  haveOurBin,
  ipamDataDir,
  makeTempDir,
  netName,
  onCleanup,
  ourBin,
  run,
  runPlugin,
  snapshotHost,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

const PLUGINS = ['loopback', 'bridge', 'host-local', 'portmap', 'firewall', 'tuning', 'ptp'] as const;

describe.skipIf(!PLUGINS.every(haveOurBin))('robustness: CNI_NETNS of another kind than a network namespace', () => {
  useCleanup({ scope: 'all' });

  it('is refused with code 4 naming the path, within a second, and nothing is created', { timeout: 120_000 }, async () => {
    const dir = await makeTempDir('nstype');
    const fifo = join(dir, 'fifo');
    await run('mkfifo', [fifo]);
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    onCleanup(() => server.close());
    // A mount namespace kept alive by a bind mount, as `ip netns` keeps network namespaces.
    const mntns = join(dir, 'mntns');
    writeFileSync(mntns, '');
    expect((await run('unshare', [`--mount=${mntns}`, 'true'])).code).toBe(0);
    onCleanup(() => run('umount', [mntns]));
    const paths = ['/proc/self/ns/mnt', '/proc/self/ns/uts', '/proc/self/ns/pid', mntns, fifo, sock, '/dev/null'];

    const ns = await createNetns();
    const dataDir = await ipamDataDir();
    const net = netName();
    const bridge = bridgeName();
    const ipam = { type: 'host-local', dataDir, ranges: [[{ subnet: '10.166.17.0/24' }]] };
    const confs: Record<string, object> = {
      loopback: { cniVersion: '1.1.0', name: net, type: 'loopback' },
      bridge: { cniVersion: '1.1.0', name: net, type: 'bridge', bridge, isGateway: true, ipMasq: true, ipam },
      ptp: { cniVersion: '1.1.0', name: net, type: 'ptp', ipMasq: true, ipam },
      'host-local': { cniVersion: '1.1.0', name: net, type: 'host-local', ipam },
      portmap: {
        cniVersion: '1.1.0',
        name: net,
        type: 'portmap',
        runtimeConfig: { portMappings: [{ hostPort: 28_099, containerPort: 80, protocol: 'tcp' }] },
        prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: ns.path }], ips: [{ address: '10.166.17.2/24', interface: 0 }] },
      },
    };
    const prev = {
      cniVersion: '1.1.0',
      interfaces: [{ name: bridge }, { name: 'eth0', sandbox: ns.path }],
      ips: [{ address: '10.166.17.2/24', gateway: '10.166.17.1', interface: 1 }],
    };
    confs.firewall = { cniVersion: '1.1.0', name: net, type: 'firewall', backend: 'iptables', prevResult: prev };
    confs.tuning = {
      cniVersion: '1.1.0',
      name: net,
      type: 'tuning',
      dataDir: `${dataDir}/tuning`,
      mtu: 1400,
      sysctl: { 'net.core.somaxconn': '512' },
      prevResult: prev,
    };
    const problems: string[] = [];
    await exclusiveHost(async () => {
      const dirs = [dataDir, `/var/lib/cni/networks/${net}`];
      const before = [await snapshotHost({ dirs }), await snapshotHost({ netns: ns.name })];
      for (const plugin of PLUGINS) {
        for (const netns of paths) {
          for (const command of ['ADD', 'CHECK', 'DEL']) {
            const t0 = performance.now();
            const r = await runPlugin(ourBin(plugin), { command, containerId: containerId(), netns, ifname: 'eth0', timeoutMs: 5000 }, confs[plugin]!);
            const ms = performance.now() - t0;
            const what = `${plugin} ${command} ${netns}`;
            if (r.timedOut || ms > 1000) problems.push(`${what}: took ${Math.round(ms)} ms`);
            if (r.code === 0 || r.json?.code !== 4) problems.push(`${what}: ${r.stdout.trim() || `exit ${r.code}`}`);
            else if (!String(r.json.msg).includes(`"${netns}"`) || !/not a network namespace/.test(r.json.msg))
              problems.push(`${what}: unclear message ${r.json.msg}`);
          }
        }
      }
      const after = [await snapshotHost({ dirs }), await snapshotHost({ netns: ns.name })];
      const mine = (_sec: string, e: string) => e.includes(bridge) || e.includes(net) || e.includes('10.166.17.') || e.includes(dataDir);
      problems.push(...diffHostState(before[0]!, after[0]!, { only: mine }), ...diffHostState(before[1]!, after[1]!).map((d) => `netns ${d}`));
    });
    expect(problems).toEqual([]);
  });
});
