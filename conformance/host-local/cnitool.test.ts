// Our host-local as the IPAM of the reference bridge, driven by cnitool, against the reference pair.
import { describe, expect, it } from 'vitest';
import {
  addrs,
  bridgeName,
  cnitool,
  createNetns,
  haveCnitool,
  haveOurBin,
  ipamDataDir,
  makeConfDir,
  mixedCniPath,
  netName,
  trackLink,
  writeConflist,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { leaseFiles } from './helpers.ts';

useCleanup({ scope: 'all' });

describe.skipIf(!haveOurBin('host-local') || !haveCnitool())('host-local behind the reference bridge (cnitool)', () => {
  it('ADD/CHECK/DEL give the same result and lease files as the reference host-local', async () => {
    const out: Record<string, unknown> = {};
    for (const impl of ['ref', 'ours'] as const) {
      const name = netName();
      const br = bridgeName();
      trackLink(br);
      const dataDir = await ipamDataDir();
      const confDir = await makeConfDir();
      await writeConflist(confDir, {
        cniVersion: '1.0.0',
        name,
        plugins: [
          {
            type: 'bridge',
            bridge: br,
            isGateway: true,
            ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.87.0.0/24' }], [{ subnet: 'fd00:87::/64' }]], routes: [{ dst: '0.0.0.0/0' }] },
          },
        ],
      });
      const cniPath = await mixedCniPath({ bridge: 'ref', 'host-local': impl });
      const ns = await createNetns();
      const add = await cnitool('add', name, ns.path, { confDir, cniPath });
      expect(add.code, add.stdout + add.stderr).toBe(0);
      const inNs = (await addrs('eth0', ns.path)).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
      const check = await cnitool('check', name, ns.path, { confDir, cniPath });
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const files = Object.keys(await leaseFiles(dataDir, name)).sort();
      const del = await cnitool('del', name, ns.path, { confDir, cniPath });
      expect(del.code, del.stdout + del.stderr).toBe(0);
      const after = Object.keys(await leaseFiles(dataDir, name)).sort();
      out[impl] = { ips: add.json.ips, routes: add.json.routes, dns: add.json.dns, inNs, files, after };
    }
    expect(out.ours).toEqual(out.ref);
    expect((out.ours as { inNs: string[] }).inNs).toEqual(['10.87.0.2/24', 'fd00:87::2/64']);
  });
});
