// flannel through cnitool with the standard kube-flannel conflist (flannel + portmap), our
// bridge and host-local delegated to from CNI_PATH: the container's address in FLANNEL_SUBNET,
// its routes, the saved delegate configuration, and DEL leaving nothing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addrs,
  bridgeName,
  cnitool,
  cnitoolContainerId,
  createNetns,
  haveCnitool,
  haveOurBin,
  link,
  links,
  makeConfDir,
  netName,
  routes,
  run,
  trackLink,
  writeConflist,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { dirs, standardConflist } from './helpers.ts';

useCleanup({ scope: 'all' });

const have = ['flannel', 'bridge', 'host-local', 'portmap'].every(haveOurBin) && haveCnitool();

describe.skipIf(!have)('flannel (cnitool, standard conflist)', () => {
  it.each(['0.3.1', '1.0.0'])('ADD gives an address in FLANNEL_SUBNET with routes via the bridge; DEL removes everything (cniVersion %s)', async (v) => {
    const d = await dirs({ network: '10.151.0.0/16', subnet: '10.151.1.1/24' });
    const name = netName();
    const br = bridgeName();
    trackLink(br);
    const confDir = await makeConfDir();
    await writeConflist(confDir, standardConflist(name, br, d, v));
    const ns = await createNetns();
    const id = cnitoolContainerId(ns.path);

    const add = await cnitool('add', name, ns.path, { confDir });
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json.ips.map((i: { address: string; gateway: string }) => [i.address, i.gateway])).toEqual([['10.151.1.2/24', '10.151.1.1']]);

    const eth0 = await link('eth0', ns.name);
    expect(eth0?.mtu).toBe(1450);
    expect((await addrs('eth0', ns.name)).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.151.1.2/24']);
    const r4 = (await routes(ns.name, 4)).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev}`).sort();
    expect(r4).toEqual(['10.151.0.0/16 10.151.1.1 eth0', '10.151.1.0/24 - eth0', 'default 10.151.1.1 eth0']);
    // The bridge holds the gateway, and the port hairpins (delegate.hairpinMode).
    expect((await addrs(br)).map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.151.1.1/24');
    const port = (await links()).find((l) => l.master === br);
    expect(port).toBeDefined();
    const hairpin = await run('bridge', ['-j', '-d', 'link', 'show', 'dev', port!.ifname]);
    expect(JSON.parse(hairpin.stdout)[0].hairpin).toBe(true);

    // The saved delegate configuration: upstream's bytes, 0600, in a 0700 directory.
    const saved = join(d.dataDir, id);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(statSync(d.dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(saved, 'utf8')).toBe(
      `{"bridge":"${br}","cniVersion":"${v}","hairpinMode":true,"ipMasq":false,"ipam":{"dataDir":"${d.ipamDir}","ranges":[[{"subnet":"10.151.1.0/24"}]],"routes":[{"dst":"10.151.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"${name}","type":"bridge"}`,
    );
    expect(readdirSync(join(d.ipamDir, name))).toContain('10.151.1.2');

    const del = await cnitool('del', name, ns.path, { confDir });
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(readdirSync(d.dataDir)).toEqual([]);
    expect(readdirSync(join(d.ipamDir, name)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(await link('eth0', ns.name)).toBeUndefined();
    expect(await link(port!.ifname)).toBeUndefined();
    // A second DEL finds nothing and succeeds.
    const again = await cnitool('del', name, ns.path, { confDir });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    await run('ip', ['link', 'del', br]);
  });
});
