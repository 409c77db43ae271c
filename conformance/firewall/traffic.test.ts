// Real traffic in a host stand-in whose FORWARD policy is DROP: the whole chain (bridge,
// host-local, portmap, firewall) runs inside it through cnitool, containers sit on bridges inside
// it, and a peer namespace beyond it is routed through it. For our plugins and the reference's.
import { describe, expect, it } from 'vitest';
import { createNetns, ifName, ipamDataDir, makeConfDir, netName, writeConflist, cnitool, type Netns } from '../lib/index.ts';
import { OUR_BIN_DIR, REF_BIN_DIR } from '../lib/plugin.ts';
import { useCleanup } from '../lib/hooks.ts';
import { filterRules, listen, makeHost, reaches, trackState, type Host } from './sandbox.ts';

useCleanup({ scope: 'each' });

const IMPLS = { ours: OUR_BIN_DIR, ref: REF_BIN_DIR } as const;
const [PEER_PORT, GW_PORT, CTR_PORT] = [7001, 7002, 7003];

interface Net {
  name: string;
  bridge: string;
  subnet: string;
  gw: string;
  confDir: string;
}

async function network(n: number, firewall: Record<string, unknown> | undefined): Promise<Net> {
  const net: Net = { name: netName(), bridge: ifName(`b${n}`), subnet: `10.201.${n}.0/24`, gw: `10.201.${n}.1`, confDir: await makeConfDir() };
  trackState(net.name);
  await writeConflist(net.confDir, {
    cniVersion: '1.0.0',
    name: net.name,
    plugins: [
      {
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: net.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: await ipamDataDir() },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      ...(firewall ? [{ type: 'firewall', ...firewall }] : []),
    ],
  });
  return net;
}

interface Ctr {
  ns: Netns;
  ip: string;
}

async function attach(host: Host, impl: keyof typeof IMPLS, net: Net, hostPort?: number): Promise<Ctr> {
  const ns = await createNetns();
  const r = await cnitool('add', net.name, ns.path, {
    confDir: net.confDir,
    cniPath: IMPLS[impl],
    inNetns: host.ns.name,
    ...(hostPort ? { capArgs: { portMappings: [{ hostPort, containerPort: CTR_PORT, protocol: 'tcp' }] } } : {}),
  });
  if (r.code !== 0) throw new Error(`cnitool add ${net.name}: ${r.stderr}`);
  return { ns, ip: (r.json.ips as Array<{ address: string }>)[0]!.address.split('/')[0]! };
}

const addrRules = async (h: Host) => (await filterRules(h)).filter((l) => l.startsWith('-A CNI-FORWARD -') && l.includes('10.201.'));

describe.each(Object.keys(IMPLS) as Array<keyof typeof IMPLS>)('firewall traffic (%s plugins)', (impl) => {
  it('FORWARD DROP: a container reaches the peer beyond the host only with the firewall plugin', async () => {
    const host = await makeHost({ peer: true });
    await listen(host.peer!.ns.name, PEER_PORT);
    const [plain, open] = [await network(20, undefined), await network(21, {})];
    const [p1, f1] = [await attach(host, impl, plain), await attach(host, impl, open)];
    expect(await reaches(p1.ns.name, host.peer!.ip, PEER_PORT, false), 'without firewall').toBe(false);
    expect(await reaches(f1.ns.name, host.peer!.ip, PEER_PORT, true), 'with firewall').toBe(true);
    expect(await addrRules(host)).toEqual([
      `-A CNI-FORWARD -d ${f1.ip}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A CNI-FORWARD -s ${f1.ip}/32 -j ACCEPT`,
    ]);
    const chk = await cnitool('check', open.name, f1.ns.path, { confDir: open.confDir, cniPath: IMPLS[impl], inNetns: host.ns.name });
    expect(chk.code, chk.stderr).toBe(0);
    const del = await cnitool('del', open.name, f1.ns.path, { confDir: open.confDir, cniPath: IMPLS[impl], inNetns: host.ns.name });
    expect(del.code, del.stderr).toBe(0);
    expect(await addrRules(host)).toEqual([]);
  }, 90_000);

  it('same-bridge on two networks: no traffic between them, yet each reaches its neighbours, its gateway, the peer and a published port', async () => {
    const host = await makeHost({ peer: true });
    await listen(host.peer!.ns.name, PEER_PORT);
    await listen(host.ns.name, GW_PORT);
    const policy = { ingressPolicy: 'same-bridge' };
    const [A, B] = [await network(22, policy), await network(23, policy)];
    const [a1, a2] = [await attach(host, impl, A, 17003), await attach(host, impl, A)];
    const [b1, b2] = [await attach(host, impl, B, 17004), await attach(host, impl, B)];
    for (const c of [a1, b1]) await listen(c.ns.name, CTR_PORT);
    const ok = (from: { ns: Netns }, to: string, port: number) => reaches(from.ns.name, to, port, true);
    const no = (from: { ns: Netns }, to: string, port: number) => reaches(from.ns.name, to, port, false);
    // Within a network: directly, to the gateway, through the published port, out to the peer.
    expect(await ok(a2, a1.ip, CTR_PORT), 'a2 → a1').toBe(true);
    expect(await ok(b2, b1.ip, CTR_PORT), 'b2 → b1').toBe(true);
    expect(await ok(a2, A.gw, GW_PORT), 'a2 → its gateway').toBe(true);
    expect(await ok(b2, B.gw, GW_PORT), 'b2 → its gateway').toBe(true);
    expect(await ok(a2, A.gw, 17003), 'a2 → published port of a1').toBe(true);
    expect(await ok(b2, B.gw, 17004), 'b2 → published port of b1').toBe(true);
    expect(await ok(host, '127.0.0.1', 17003), 'host → published port of a1').toBe(true);
    expect(await ok(b2, host.peer!.ip, PEER_PORT), 'b2 → peer').toBe(true);
    // Across networks: blocked both ways, also through the other network's published port.
    expect(await no(a2, b1.ip, CTR_PORT), 'a2 → b1').toBe(false);
    expect(await no(b2, a1.ip, CTR_PORT), 'b2 → a1').toBe(false);
    expect(await no(b2, B.gw, 17003), 'b2 → published port of a1').toBe(false);
    const stage1 = (await filterRules(host)).filter((l) => l.startsWith('-A CNI-ISOLATION-STAGE-1 -i'));
    expect(stage1.map((l) => l.split(' ')[3])).toEqual([B.bridge, A.bridge]);
    for (const [n, c] of [
      [A, a1],
      [A, a2],
      [B, b1],
      [B, b2],
    ] as const) {
      const r = await cnitool('del', n.name, c.ns.path, { confDir: n.confDir, cniPath: IMPLS[impl], inNetns: host.ns.name });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await addrRules(host)).toEqual([]);
    // The per-bridge isolation stays after the last container, as upstream's does.
    expect((await filterRules(host)).filter((l) => l.startsWith('-A CNI-ISOLATION-STAGE-2 -o'))).toHaveLength(2);
  }, 120_000);
});
