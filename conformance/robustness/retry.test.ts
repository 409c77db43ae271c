// A retried ADD of a container that is already attached (as runtimes retry): whether it succeeds
// (loopback, portmap) or is refused (bridge + host-local, "duplicate allocation"), the running
// container's leases, links, rules and reachability stay exactly as they were. A failed ADD undoes
// what that call created and nothing an earlier ADD made.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  cnitool,
  cnitoolContainerId,
  createNetns,
  exclusiveHost,
  haveCnitool,
  haveOurBin,
  makeConfDir,
  mixedCniPath,
  ourBin,
  run,
  writeConflist,
  OUR_BIN_DIR,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { addChain, bridgeConf, call, leases, loopbackConf, portmapConf, waitProcsGone, type Container, type Net } from './chain.ts';
import { diff, newCtr, newNet, snap, warmUp } from './state.ts';
import { SCALE } from './scale.ts';

const ok = ['loopback', 'host-local', 'bridge', 'portmap'].every(haveOurBin);

async function leaseFiles(n: Net): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const l of await leases(n)) out[l] = await readFile(`${n.dataDir}/${n.name}/${l}`, 'utf8');
  return out;
}
/** The host reaches a TCP listener inside the container through the bridge. */
async function reachable(netns: string, ip: string): Promise<boolean> {
  const port = 7400 + randomInt(0, 500);
  const l = spawn('nsenter', [`--net=${netns}`, '--', 'socat', `TCP4-LISTEN:${port},reuseaddr,fork`, 'SYSTEM:echo pong'], { stdio: 'ignore' });
  try {
    for (const end = Date.now() + 3000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      if ((await run('socat', ['-T2', '-', `TCP4:${ip}:${port},connect-timeout=2`])).stdout.trim() === 'pong') return true;
    }
    return false;
  } finally {
    l.kill('SIGKILL');
  }
}
const ipOf = (res: any): string => String(res.ips[0].address).split('/')[0]!;
// A bridge whose last port went away drops its carrier asynchronously: gone, it cannot flap
// inside a later case's before/after snapshots.
const dropBridge = (n: Net) => run('ip', ['link', 'del', n.bridge]);

describe.skipIf(!ok)('robustness: a retried ADD leaves the live container as it was', () => {
  useCleanup({ scope: 'all' });

  it('the chain, retried plugin by plugin (direct calls): loopback and portmap succeed, bridge is refused, nothing changes', async () => {
    const n = await newNet('10.166.11.0/24');
    await warmUp(n);
    const c = await newCtr();
    const res = await addChain(n, c);
    const held = await leaseFiles(n);
    expect(Object.keys(held)).toHaveLength(1);
    await exclusiveHost(async () => {
      const before = await snap(n, c);
      expect((await call('loopback', 'ADD', n, c, loopbackConf(n), 'lo')).code).toBe(0);
      const br = await call('bridge', 'ADD', n, c, bridgeConf(n));
      expect(br.code, br.stdout).not.toBe(0);
      expect(br.json.msg).toMatch(/duplicate allocation is not allowed/);
      const hl = await call('host-local', 'ADD', n, c, bridgeConf(n));
      expect(hl.json?.msg).toMatch(/duplicate allocation is not allowed/);
      const pm = await call('portmap', 'ADD', n, c, portmapConf(n, c, res));
      expect(pm.code, pm.stdout).toBe(0);
      expect(diff(n, before, await snap(n, c))).toEqual([]);
    });
    expect(await leaseFiles(n)).toEqual(held);
    expect(await reachable(c.netns, ipOf(res))).toBe(true);
  });

  // With an IPAM that answers a repeated ADD with the same address (static), the refusal must come
  // from the links and rules themselves, and their undo must not touch the live container's.
  for (const backend of ['iptables', 'nftables'] as const) {
    it(`bridge with an idempotent IPAM (static), ipMasq on ${backend} and macspoofchk: refused, the live rules stay`, async () => {
      const cniPath = await mixedCniPath({ bridge: 'ours', static: 'ref' });
      const subnet = backend === 'iptables' ? '10.166.12' : '10.166.13';
      const n = await newNet(`${subnet}.0/24`, { cniPath });
      const c = await newCtr();
      const conf = {
        ...bridgeConf(n),
        cniVersion: '1.0.0',
        ipMasqBackend: backend,
        macspoofchk: true,
        ipam: { type: 'static', addresses: [{ address: `${subnet}.5/24`, gateway: `${subnet}.1` }] },
      };
      const first = await call('bridge', 'ADD', n, c, conf);
      expect(first.code, first.stdout).toBe(0);
      await exclusiveHost(async () => {
        const before = await snap(n, c);
        const again = await call('bridge', 'ADD', n, c, conf);
        expect(again.code, again.stdout).not.toBe(0);
        expect(again.json.msg).toMatch(/already exist/);
        expect(diff(n, before, await snap(n, c))).toEqual([]);
      });
      expect(await reachable(c.netns, `${subnet}.5`)).toBe(true);
      expect((await call('bridge', 'DEL', n, c, conf)).code).toBe(0);
      await dropBridge(n);
    });
  }

  it('bridge without IPAM (L2) and macspoofchk: refused by the existing link, its spoof rules stay', async () => {
    const n = await newNet('10.166.14.0/24');
    const c = await newCtr();
    const conf = { cniVersion: '1.1.0', name: n.name, type: 'bridge', bridge: n.bridge, macspoofchk: true };
    expect((await call('bridge', 'ADD', n, c, conf)).code).toBe(0);
    await exclusiveHost(async () => {
      const before = await snap(n, c);
      const again = await call('bridge', 'ADD', n, c, conf);
      expect(again.json?.msg).toMatch(/already exists/);
      expect(diff(n, before, await snap(n, c))).toEqual([]);
    });
    expect((await call('bridge', 'DEL', n, c, conf)).code).toBe(0);
    await dropBridge(n);
  });

  it.skipIf(!haveCnitool())('through cnitool: a second `cnitool add` fails and the first container keeps its leases, rules and port', async () => {
    const n = await newNet('10.166.15.0/24');
    await warmUp(n);
    const ns = await createNetns();
    const c: Container = { id: cnitoolContainerId(ns.path), netns: ns.path, hostPort: 0 };
    const dir = await makeConfDir();
    const { cniVersion, name, ...br } = bridgeConf(n);
    void cniVersion; // libcni 1.1 (cnitool) speaks up to 1.0.0
    await writeConflist(dir, { cniVersion: '1.0.0', name: n.name, plugins: [br, { type: 'portmap', capabilities: { portMappings: true }, snat: true }] });
    const capArgs = { portMappings: [{ hostPort: 28_090 + randomInt(0, 9), containerPort: 80, protocol: 'tcp' }] };
    const first = await cnitool('add', n.name, ns.path, { confDir: dir, capArgs });
    expect(first.code, first.stderr).toBe(0);
    const held = await leaseFiles(n);
    await exclusiveHost(async () => {
      const before = await snap(n, c);
      const again = await cnitool('add', n.name, ns.path, { confDir: dir, capArgs });
      expect(again.code).not.toBe(0);
      expect(again.stderr + again.stdout).toMatch(/duplicate allocation is not allowed/);
      expect(diff(n, before, await snap(n, c))).toEqual([]);
    });
    expect(await leaseFiles(n)).toEqual(held);
    expect(await reachable(ns.path, ipOf(first.json))).toBe(true);
    expect((await cnitool('del', n.name, ns.path, { confDir: dir, capArgs })).code).toBe(0);
    expect(await leases(n)).toEqual([]);
    await dropBridge(n);
  });

  it('a retried bridge ADD SIGKILLed at a random point leaves the live container as it was', { timeout: 120_000 }, async () => {
    const n = await newNet('10.166.16.0/24');
    await warmUp(n);
    const c = await newCtr();
    const res = await addChain(n, c);
    const held = await leaseFiles(n);
    const problems: string[] = [];
    for (let t = 0; t < Math.max(3, Math.ceil(SCALE.killTrials / 4)); t++) {
      const delay = randomInt(0, 80);
      await exclusiveHost(async () => {
        const before = await snap(n, c);
        const env = { ...baseEnv(), CNI_COMMAND: 'ADD', CNI_CONTAINERID: c.id, CNI_NETNS: c.netns, CNI_IFNAME: 'eth0', CNI_PATH: OUR_BIN_DIR };
        const child = execa(ourBin('bridge'), [], { env, extendEnv: false, input: JSON.stringify(bridgeConf(n)), reject: false });
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        await child;
        clearTimeout(timer);
        await waitProcsGone(c.id);
        const d = diff(n, before, await snap(n, c));
        if (d.length) problems.push(`killed after ${delay} ms: ${d.join('; ').slice(0, 600)}`);
      });
    }
    expect(problems).toEqual([]);
    expect(await leaseFiles(n)).toEqual(held);
    expect(await reachable(c.netns, ipOf(res))).toBe(true);
  });
});
