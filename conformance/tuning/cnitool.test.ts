// tuning at the end of a bridge + host-local chain, driven by cnitool: the MAC from CAP_ARGS
// (capability "mac"), MTU and sysctls on the container's eth0, CHECK and DEL; ours against the
// reference chain, each with its own bridge and subnet.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  cnitool,
  createNetns,
  haveCnitool,
  haveOurBin,
  link,
  makeConfDir,
  makeTempDir,
  mixedCniPath,
  netName,
  nsExec,
  trackLink,
  writeConflist,
  type Impl,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

const SUBNET: Record<Impl, string> = { ref: '10.202.20.0/24', ours: '10.202.21.0/24' };
const MAC = '02:00:00:00:20:02';

describe.skipIf(!haveOurBin('tuning') || !haveCnitool())('tuning in a bridge chain (cnitool)', () => {
  it('same container link and result as the reference chain; DEL restores and removes the saved state', async () => {
    const out = await Promise.all(
      (['ref', 'ours'] as const).map(async (impl) => {
        const name = netName();
        const br = bridgeName();
        trackLink(br);
        const dataDir = await makeTempDir('tuning');
        const confDir = await makeConfDir();
        await writeConflist(confDir, {
          cniVersion: '1.0.0',
          name,
          plugins: [
            { type: 'bridge', bridge: br, isGateway: true, ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: SUBNET[impl] }]] } },
            {
              type: 'tuning',
              capabilities: { mac: true },
              dataDir,
              mtu: 1380,
              allmulti: true,
              sysctl: { 'net.ipv4.conf.eth0.arp_ignore': '1', 'net.core.somaxconn': '256' },
            },
          ],
        });
        const cniPath = await mixedCniPath({ bridge: impl, 'host-local': impl, tuning: impl });
        const ns = await createNetns();
        const opts = { confDir, cniPath, capArgs: { mac: MAC } };
        const add = await cnitool('add', name, ns.path, opts);
        expect(add.code, add.stdout + add.stderr).toBe(0);
        const l = await link('eth0', ns.path);
        const sys = (await nsExec(ns.path, 'sysctl', ['-n', 'net.ipv4.conf.eth0.arp_ignore', 'net.core.somaxconn'])).stdout.trim().split('\n');
        const saved = (await readdir(dataDir)).filter((f) => f.endsWith('.json'));
        const check = await cnitool('check', name, ns.path, opts);
        expect(check.code, check.stdout + check.stderr).toBe(0);
        const del = await cnitool('del', name, ns.path, opts);
        expect(del.code, del.stdout + del.stderr).toBe(0);
        const left = (await readdir(dataDir)).filter((f) => f.endsWith('.json'));
        const eth0 = (add.json.interfaces as Array<{ name: string; mac?: string }>).find((i) => i.name === 'eth0');
        return { mac: eth0?.mac, link: { address: l?.address, mtu: l?.mtu, allmulti: l?.flags.includes('ALLMULTI') }, sys, saved: saved.length, left };
      }),
    );
    expect(out[1]).toEqual(out[0]);
    expect(out[1]).toEqual({ mac: MAC, link: { address: MAC, mtu: 1380, allmulti: true }, sys: ['1', '256'], saved: 1, left: [] });
  });
});
