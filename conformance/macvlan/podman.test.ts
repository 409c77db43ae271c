// podman 4.3 (CNI backend) with only our executables in `cni_plugin_dirs`, on a
// `podman network create -d macvlan -o parent=<link> --subnet …` network. The parent must be in
// the host namespace for podman: it is one end of a veth pair both of whose ends this test makes
// (run prefix), the other end in a namespace standing in for the LAN (peer 10.112.9.254). Two
// containers get addresses in the subnet, reach each other and the LAN peer; after rm nothing of
// theirs is left (no lease, no link), and the parent is as it was.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CNI_NETWORKS_DIR, RUN_PREFIX, createNetns, ifName, ipJson, must, netName, run, trackLink, trackNetns, trackNetwork } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { podmanSuite } from '../podman/env.ts';

useCleanup({ scope: 'all' });

const SUBNET = '10.112.9.0/24';
const PEER = '10.112.9.254';

const { skipReason, podman, image } = await podmanSuite('podman macvlan', ['macvlan', 'host-local']);

/** busybox ping from inside a container's namespace (the image has no ping, and may lack CAP_NET_RAW). */
const pingFrom = (pid: number, ip: string) =>
  run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'busybox', 'ping', '-c', '1', '-W', '2', ip], { timeoutMs: 5_000 });

describe.skipIf(skipReason !== undefined)('podman macvlan network with only our plugins', () => {
  const p = () => podman!;
  const net = netName('mvnet');
  const parent = ifName('pa');
  const lanEnd = ifName('pb');

  it('two containers: addresses in the subnet, reach each other and the LAN peer; rm leaves nothing', async () => {
    const lan = await createNetns('mvlan');
    trackLink(parent);
    await must('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', lanEnd, 'netns', lan.name]);
    await must('ip', ['link', 'set', parent, 'up']);
    await must('ip', ['-n', lan.name, '-batch', '-'], { input: `addr add ${PEER}/24 dev ${lanEnd}\nlink set ${lanEnd} up\n` });
    const parentBefore = (await ipJson<any[]>(['-d', 'link', 'show', parent]))[0];

    p().networks.add(net);
    trackNetwork(net);
    expect((await p().must(['network', 'create', '-d', 'macvlan', '-o', `parent=${parent}`, '--subnet', SUBNET, net])).trim()).toBe(net);
    const conf = JSON.parse(await readFile(join(p().netDir, `${net}.conflist`), 'utf8'));
    expect(conf.plugins.map((x: { type: string }) => x.type)).toEqual(['macvlan']);
    expect(conf.plugins[0]).toMatchObject({ master: parent, ipam: { type: 'host-local' } });

    const ctrs: Array<{ name: string; id: string; ip: string; pid: number; mac: string }> = [];
    for (const name of [`${RUN_PREFIX}-ma`, `${RUN_PREFIX}-mb`]) {
      const id = (await p().must(['run', '-d', '--name', name, '--network', net, '--cgroup-parent', p().cgroupParent, image, 'sleep', '300'], 60_000)).trim();
      const [inspect] = JSON.parse(await p().must(['inspect', name]));
      const n = inspect.NetworkSettings.Networks[net];
      const sandbox: string = inspect.NetworkSettings.SandboxKey;
      if (/^\/(var\/)?run\/netns\//.test(sandbox)) trackNetns(sandbox.replace(/^.*\//, ''));
      expect(n.IPAddress).toMatch(/^10\.112\.9\.\d+$/);
      ctrs.push({ name, id, ip: n.IPAddress, pid: inspect.State.Pid, mac: n.MacAddress });
    }
    const [a, b] = ctrs as [(typeof ctrs)[0], (typeof ctrs)[0]];
    expect(a.ip).not.toBe(b.ip);
    // The container's interface is a macvlan on the parent, with the MAC podman reports.
    const eth0 = (await ipJson<any[]>(['-d', 'link', 'show', 'eth0'], `/proc/${a.pid}/ns/net`))[0];
    expect(eth0.linkinfo.info_kind).toBe('macvlan');
    expect(eth0.linkinfo.info_data.mode).toBe('bridge');
    expect(eth0.address).toBe(a.mac);
    for (const [from, to] of [
      [a, b.ip],
      [b, a.ip],
      [a, PEER],
      [b, PEER],
    ] as const) {
      const r = await pingFrom(from.pid, to);
      expect(r.code, `${from.name} → ${to}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    for (const c of ctrs) expect(await readFile(join(CNI_NETWORKS_DIR, net, c.ip), 'utf8')).toContain(c.id);

    const rm = await p().pm(['rm', '-f', '-t', '0', a.name, b.name], 60_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await readdir(join(CNI_NETWORKS_DIR, net))).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'))).toEqual([]);
    for (const c of ctrs) expect(existsSync(`/proc/${c.pid}/ns/net`)).toBe(false);
    // The parent is untouched and has no macvlan left on it.
    const parentAfter = (await ipJson<any[]>(['-d', 'link', 'show', parent]))[0];
    expect({ mtu: parentAfter.mtu, flags: parentAfter.flags, address: parentAfter.address }).toEqual({
      mtu: parentBefore.mtu,
      flags: parentBefore.flags,
      address: parentBefore.address,
    });
    expect((await ipJson<any[]>(['-d', 'link', 'show'])).filter((l) => l.link === parent)).toEqual([]);
    const netRm = await p().pm(['network', 'rm', net]);
    expect(netRm.code, netRm.stderr).toBe(0);
  });
});
