// bridge + static through cnitool in a namespace: ours (static linked into our bridge) against
// the reference pair, the container's addresses and routes, bad input, and podman #17955.
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addrs,
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
  ourBin,
  routes,
  run,
  trackLink,
  writeConflist,
  type Impl,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

const IPAM = {
  type: 'static',
  addresses: [
    { address: '10.150.5.5/24', gateway: '10.150.5.1' },
    { address: 'fd00:150:5::5/64', gateway: 'fd00:150:5::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.150.5.254' }],
  dns: { nameservers: ['10.150.5.53'], search: ['example.com'] },
};

async function setup(ipam: Record<string, unknown>) {
  const name = netName();
  const br = bridgeName();
  trackLink(br);
  const confDir = await makeConfDir();
  await writeConflist(confDir, { cniVersion: '1.0.0', name, plugins: [{ type: 'bridge', bridge: br, isGateway: true, ipam }] });
  return { name, br, confDir, ns: await createNetns() };
}

/** The container's view: global addresses of eth0 and its routes, without kernel-chosen fields. */
async function container(ns: string) {
  const a = (await addrs('eth0', ns)).filter((x) => x.scope === 'global').map((x) => `${x.local}/${x.prefixlen}`);
  const r = (await routes(ns)).filter((x) => !x.dst.startsWith('fe80')).map((x) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
  return { addrs: a, routes: r.sort() };
}

describe.skipIf(!haveOurBin('static') || !haveOurBin('bridge') || !haveCnitool())('bridge + static (cnitool)', () => {
  it('same result, container addresses and routes as the reference pair; static runs inside our bridge', async () => {
    // Our static is made non-executable: the ADD can only work if the bridge runs it in-process.
    const linked = await makeTempDir('static-link');
    for (const p of ['bridge', 'static']) copyFileSync(ourBin(p), join(linked, p));
    chmodSync(join(linked, 'static'), 0o644);
    const paths: Record<Impl, string> = { ref: await mixedCniPath({ bridge: 'ref', static: 'ref' }), ours: linked };
    const out: Record<string, unknown> = {};
    for (const impl of ['ref', 'ours'] as const) {
      const s = await setup(IPAM);
      const add = await cnitool('add', s.name, s.ns.path, { confDir: s.confDir, cniPath: paths[impl] });
      expect(add.code, add.stdout + add.stderr).toBe(0);
      const inside = await container(s.ns.name);
      const check = await cnitool('check', s.name, s.ns.path, { confDir: s.confDir, cniPath: paths[impl] });
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const del = await cnitool('del', s.name, s.ns.path, { confDir: s.confDir, cniPath: paths[impl] });
      expect(del.code, del.stdout + del.stderr).toBe(0);
      expect(await link('eth0', s.ns.name)).toBeUndefined();
      await run('ip', ['link', 'del', s.br]);
      out[impl] = { ips: add.json.ips, routes: add.json.routes, dns: add.json.dns, inside };
    }
    // The 1.1.1 bridge drops the IPAM's DNS; ours passes it on as the latest upstream does
    // (plugins/bridge/README.md, "What differs").
    expect((out.ref as { dns: unknown }).dns).toEqual({});
    expect((out.ours as { dns: unknown }).dns).toEqual(IPAM.dns);
    expect({ ...(out.ours as object), dns: {} }).toEqual(out.ref);
    expect((out.ours as { inside: unknown }).inside).toEqual({
      addrs: ['10.150.5.5/24', 'fd00:150:5::5/64'],
      routes: ['10.150.5.0/24 - eth0', '192.0.2.0/24 10.150.5.254 eth0', 'default 10.150.5.1 eth0', 'fd00:150:5::/64 - eth0'],
    });
  });

  it('podman #17955: CNI_ARGS IP without a prefix; the reference chain fails, ours gives the /24', async () => {
    const ipam = { type: 'static', addresses: [{ address: '10.150.6.5/24', gateway: '10.150.6.1' }] };
    const ref = await setup(ipam);
    const r = await cnitool('add', ref.name, ref.ns.path, {
      confDir: ref.confDir,
      cniPath: await mixedCniPath({ bridge: 'ref', static: 'ref' }),
      cniArgs: 'IgnoreUnknown=1;IP=10.150.6.100',
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/expected to be in CIDR notation, got: '10.150.6.100'/);
    await run('ip', ['link', 'del', ref.br]);

    const ours = await setup(ipam);
    const a = await cnitool('add', ours.name, ours.ns.path, { confDir: ours.confDir, cniArgs: 'IgnoreUnknown=1;IP=10.150.6.100' });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect((await container(ours.ns.name)).addrs).toEqual(['10.150.6.5/24', '10.150.6.100/24']);
    const d = await cnitool('del', ours.name, ours.ns.path, { confDir: ours.confDir, cniArgs: 'IgnoreUnknown=1;IP=10.150.6.100' });
    expect(d.code, d.stdout + d.stderr).toBe(0);
  });

  const bad: Array<[string, Record<string, unknown>, string | undefined, RegExp]> = [
    [
      'malformed address',
      { addresses: [{ address: '10.150.7.5' }] },
      undefined,
      /ipam\.addresses\[0\]\.address: the 'address' field is expected to be in CIDR notation/,
    ],
    [
      'gateway of the other family',
      { addresses: [{ address: 'fd00:150:7::5/64', gateway: '10.150.7.1' }] },
      undefined,
      /ipam\.addresses\[0\]\.gateway: 10\.150\.7\.1 is IPv4/,
    ],
    [
      'bare IP with no address of its family',
      { addresses: [{ address: '10.150.7.5/24' }] },
      'IgnoreUnknown=1;IP=fd00:150:7::9',
      /CNI_ARGS IP: 'fd00:150:7::9' has no prefix length, and ipam\.addresses has no IPv6 address/,
    ],
  ];
  it.each(bad)('bad input through our bridge, %s: a spec error naming the field, nothing left', async (_n, ipam, cniArgs, want) => {
    const s = await setup({ type: 'static', ...ipam });
    const r = await cnitool('add', s.name, s.ns.path, { confDir: s.confDir, ...(cniArgs ? { cniArgs } : {}) });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(want);
    expect(await link('eth0', s.ns.name)).toBeUndefined();
    expect(await link(s.br)).toBeUndefined();
  });
});
