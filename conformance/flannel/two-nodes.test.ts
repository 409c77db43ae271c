// Two "nodes" (namespaces) joined by an underlay veth, each programmed as flanneld's vxlan backend
// would program it (flannel-io/flannel `pkg/backend/vxlan`: flannel.1 with VNI 1, port 8472,
// nolearning, the lease's network address /32; for the other node a permanent neighbour, an FDB
// entry and an onlink route), each with its own subnet file. The kube-flannel conflist runs in each
// node through cnitool; a pod on node 1 reaches a pod on node 2 by ping and TCP with MTU 1450.
// Nothing of it is on the host: every link and route lives in the node namespaces.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  cnitool,
  createNetns,
  haveCnitool,
  haveOurBin,
  links,
  makeConfDir,
  makeTempDir,
  must,
  netName,
  nsExec,
  onCleanup,
  writeConflist,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { standardConflist, writeSubnetEnv, type Dirs } from './helpers.ts';

useCleanup({ scope: 'all' });

const have = ['flannel', 'bridge', 'host-local', 'portmap'].every(haveOurBin) && haveCnitool();
const NETWORK = '10.154.0.0/16';
const UNDERLAY = (n: number) => `10.152.0.${n}`;
const VTEP_MAC = (n: number) => `02:15:40:00:00:0${n}`;
const LEASE = (n: number) => `10.154.${n}.0`;

const ip = (ns: Netns, ...args: string[]) => must('ip', ['-n', ns.name, ...args]);

/** What flanneld's vxlan backend sets up on node `n` (1 or 2) for itself and for node `m`. */
async function programNode(node: Netns, n: number, m: number): Promise<void> {
  await ip(node, 'link', 'set', 'lo', 'up');
  await ip(node, 'addr', 'add', `${UNDERLAY(n)}/24`, 'dev', 'ul0');
  await ip(node, 'link', 'set', 'ul0', 'up');
  await ip(node, 'link', 'add', 'flannel.1', 'type', 'vxlan', 'id', '1', 'local', UNDERLAY(n), 'dev', 'ul0', 'dstport', '8472', 'nolearning');
  await ip(node, 'link', 'set', 'flannel.1', 'address', VTEP_MAC(n), 'mtu', '1450', 'up');
  await ip(node, 'addr', 'add', `${LEASE(n)}/32`, 'dev', 'flannel.1');
  await ip(node, 'neigh', 'replace', LEASE(m), 'lladdr', VTEP_MAC(m), 'dev', 'flannel.1', 'nud', 'permanent');
  await must('bridge', ['-n', node.name, 'fdb', 'append', VTEP_MAC(m), 'dev', 'flannel.1', 'dst', UNDERLAY(m), 'self', 'permanent']);
  await ip(node, 'route', 'replace', `10.154.${m}.0/24`, 'via', LEASE(m), 'dev', 'flannel.1', 'onlink');
}

interface NodeSetup {
  node: Netns;
  pod: Netns;
  dirs: Dirs;
  confDir: string;
}

describe.skipIf(!have)('flannel across two nodes (vxlan as flanneld programs it)', () => {
  it('a pod on node 1 reaches a pod on node 2 by ping and TCP with MTU 1450; DEL leaves nothing', { timeout: 120_000 }, async () => {
    const name = netName();
    const n1 = await createNetns('n1');
    const n2 = await createNetns('n2');
    await must('ip', ['-n', n1.name, 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul0', 'netns', n2.name]);
    await programNode(n1, 1, 2);
    await programNode(n2, 2, 1);

    const setups: NodeSetup[] = [];
    for (const [i, node] of [n1, n2].entries()) {
      const n = i + 1;
      const d: Dirs = {
        subnetFile: await writeSubnetEnv({ network: NETWORK, subnet: `10.154.${n}.1/24` }),
        dataDir: await makeTempDir(`flannel-data${n}`),
        ipamDir: await makeTempDir(`flannel-ipam${n}`),
      };
      const confDir = await makeConfDir();
      // The bridge lives in the node namespace; the run's prefix keeps the name recognisable.
      await writeConflist(confDir, standardConflist(name, bridgeName(n), d));
      setups.push({ node, pod: await createNetns(`p${n}`), dirs: d, confDir });
    }

    const results = [];
    for (const s of setups) {
      const add = await cnitool('add', name, s.pod.path, { confDir: s.confDir, inNetns: s.node.name });
      expect(add.code, add.stdout + add.stderr).toBe(0);
      results.push(add.json);
    }
    expect(results.map((r) => r.ips[0].address)).toEqual(['10.154.1.2/24', '10.154.2.2/24']);

    // ping, both ways, and at the MTU: 1450 − 28 bytes of ICMP payload pass unfragmented, one more does not.
    const ping = (from: Netns, to: string, size = 56) =>
      nsExec(from.name, 'ping', ['-c', '1', '-W', '2', '-M', 'do', '-s', String(size), to], { timeoutMs: 10_000 });
    expect((await ping(setups[0]!.pod, '10.154.2.2')).code).toBe(0);
    expect((await ping(setups[1]!.pod, '10.154.1.2')).code).toBe(0);
    expect((await ping(setups[0]!.pod, '10.154.2.2', 1422)).code).toBe(0);
    const tooBig = await ping(setups[0]!.pod, '10.154.2.2', 1423);
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stdout + tooBig.stderr).toMatch(/mtu = 1450|message too long/i);

    // TCP: an echo server in pod 2, a client in pod 1.
    const server = execa('ip', ['netns', 'exec', setups[1]!.pod.name, 'socat', 'TCP-LISTEN:8080,fork,reuseaddr', 'PIPE'], { reject: false, stdio: 'ignore' });
    onCleanup(() => {
      server.kill('SIGKILL');
      return server.catch(() => undefined);
    });
    let echoed = '';
    for (let i = 0; i < 20 && echoed !== 'across nodes'; i++) {
      const r = await nsExec(setups[0]!.pod.name, 'socat', ['-T', '2', '-', 'TCP:10.154.2.2:8080,connect-timeout=2'], {
        input: 'across nodes\n',
        timeoutMs: 5000,
      });
      echoed = r.stdout.trim();
      if (echoed !== 'across nodes') await new Promise((res) => setTimeout(res, 100));
    }
    expect(echoed).toBe('across nodes');
    server.kill('SIGKILL');
    await server.catch(() => undefined);

    for (const s of setups) {
      const del = await cnitool('del', name, s.pod.path, { confDir: s.confDir, inNetns: s.node.name });
      expect(del.code, del.stdout + del.stderr).toBe(0);
      expect(readdirSync(s.dirs.dataDir)).toEqual([]);
      expect(readdirSync(join(s.dirs.ipamDir, name)).filter((f) => /^\d/.test(f))).toEqual([]);
      expect((await links(s.node.name)).filter((l) => l.ifname.startsWith('veth')).map((l) => l.ifname)).toEqual([]);
      expect((await links(s.pod.name)).map((l) => l.ifname)).toEqual(['lo']);
    }
  });
});
