// The k3s chain through cnitool, inside a namespace standing in for the node: bridge + host-local,
// portmap and bandwidth, with the `portMappings` and `bandwidth` capabilities. ADD shapes the
// host veth and makes the IFB; DEL leaves no IFB, qdisc, lease or DNAT rule behind.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bridgeName, cnitool, createNetns, haveCnitool, haveOurBin, ipamDataDir, makeConfDir, must, netName, nextId, writeConflist } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'each' });

const ready = haveCnitool() && ['bandwidth', 'bridge', 'host-local', 'portmap'].every(haveOurBin);

describe.skipIf(!ready)('bandwidth in the k3s chain (cnitool)', () => {
  it('bridge + host-local, portmap, bandwidth: works end to end, DEL leaves nothing', async () => {
    const node = await createNetns(`node${nextId()}`);
    const ctr = await createNetns(`ctr${nextId()}`);
    await must('ip', ['-n', node.name, 'link', 'set', 'lo', 'up']);
    const name = netName();
    const dataDir = await ipamDataDir();
    const confDir = await makeConfDir();
    await writeConflist(confDir, {
      cniVersion: '1.0.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge: bridgeName(),
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.161.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        { type: 'bandwidth', capabilities: { bandwidth: true } },
      ],
    });
    const opts = {
      confDir,
      inNetns: node.name,
      capArgs: {
        portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }],
        bandwidth: { ingressRate: 2_000_000, ingressBurst: 160_000, egressRate: 1_000_000, egressBurst: 80_000 },
      },
    };
    const add = await cnitool('add', name, ctr.path, opts);
    expect(add.code, add.stderr).toBe(0);
    const ifb = add.json.interfaces.find((i: { name: string }) => i.name.startsWith('bwp'));
    expect(ifb).toBeDefined();
    const hostVeth = add.json.interfaces.find((i: { name: string; sandbox?: string }) => !i.sandbox && i.name.startsWith('veth')).name;
    const qd = JSON.parse(await must('tc', ['-n', node.name, '-j', 'qdisc', 'show', 'dev', hostVeth]));
    expect(qd.find((q: { kind: string }) => q.kind === 'tbf').options).toMatchObject({ rate: 250_000, burst: 20_000 });
    const ifbQd = JSON.parse(await must('tc', ['-n', node.name, '-j', 'qdisc', 'show', 'dev', ifb.name]));
    expect(ifbQd[0]).toMatchObject({ kind: 'tbf', options: { rate: 125_000, burst: 10_000 } });
    expect(await must('ip', ['netns', 'exec', node.name, 'iptables-save', '-t', 'nat'])).toMatch(/--dport 18080 .*DNAT/);
    const check = await cnitool('check', name, ctr.path, opts);
    expect(check.code, check.stderr).toBe(0);

    const del = await cnitool('del', name, ctr.path, opts);
    expect(del.code, del.stderr).toBe(0);
    expect((await must('ip', ['-n', node.name, '-br', 'link', 'show', 'type', 'ifb'])).trim()).toBe('');
    const left = (await must('tc', ['-n', node.name, 'qdisc', 'show'])).split('\n').filter((l) => /^qdisc (tbf|ingress)/.test(l));
    expect(left).toEqual([]);
    expect(await must('ip', ['netns', 'exec', node.name, 'iptables-save', '-t', 'nat'])).not.toMatch(/18080/);
    const leases = (await readdir(`${dataDir}/${name}`).catch(() => [] as string[])).filter((f) => /^\d/.test(f));
    expect(leases).toEqual([]);
  });
});
