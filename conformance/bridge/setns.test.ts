// Link state comes from the plugin's own namespace: a caller that switches namespace with setns()
// alone (`nsenter --net` without a remount) leaves the old /sys in place. bridge must still see the
// veth it just made and the bridge that already exists (shared/host/link-state.ts falls back to
// netlink). A namespace stands in for the node; the real host's /sys is the stale one.
import { describe, expect, it } from 'vitest';
import { bridgeName, containerId, createNetns, haveOurBin, ipamDataDir, ipJson, netName, ourBin, runPlugin, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

describe.skipIf(!haveOurBin('bridge'))('bridge run with setns() only (stale /sys)', () => {
  it('creates the bridge, then joins a second container to it; CHECK and DEL work', async () => {
    const node = await createNetns('node');
    const br = bridgeName();
    const conf = {
      cniVersion: '1.0.0',
      name: netName(),
      type: 'bridge',
      bridge: br,
      isGateway: true,
      ipam: { type: 'host-local', dataDir: await ipamDataDir(), ranges: [[{ subnet: '10.216.1.0/24' }]] },
    };
    const call = (command: string, ns: Netns, cid: string, stdin: object) =>
      runPlugin(ourBin('bridge'), { command, containerId: cid, netns: ns.path, ifname: 'eth0', inNetns: node.name, setnsOnly: true }, stdin);
    const cs = [
      { ns: await createNetns(), cid: containerId() },
      { ns: await createNetns(), cid: containerId() },
    ];
    const results = [];
    for (const c of cs) {
      const r = await call('ADD', c.ns, c.cid, conf);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      results.push(r.json);
    }
    const nodeLinks = await ipJson<any[]>(['-d', 'link', 'show'], node.name);
    const bridge = nodeLinks.find((l) => l.ifname === br);
    expect(bridge?.linkinfo?.info_kind).toBe('bridge');
    expect(results[0].interfaces[0].mac).toBe(bridge.address);
    const ports = nodeLinks.filter((l) => l.master === br);
    expect(ports.map((p) => p.ifname).sort()).toEqual(results.map((r) => r.interfaces[1].name).sort());
    expect(ports.every((p) => p.operstate === 'UP')).toBe(true);
    // Nothing of it on the real host.
    expect((await ipJson<any[]>(['link', 'show'])).some((l) => l.ifname === br)).toBe(false);
    for (const [i, c] of cs.entries()) {
      const chk = await call('CHECK', c.ns, c.cid, { ...conf, prevResult: results[i] });
      expect(chk.code, chk.stdout).toBe(0);
      const del = await call('DEL', c.ns, c.cid, conf);
      expect(del.code, del.stdout).toBe(0);
    }
    expect((await ipJson<any[]>(['link', 'show'], node.name)).filter((l) => l.master === br)).toEqual([]);
  });
});
