// podman 4.3 (CNI backend) with only our six executables in `cni_plugin_dirs`: a
// `podman network create`d network gets a conflist of our plugins, containers get addresses,
// reach each other, answer from the host and on a published 127.0.0.1 port, and after
// `podman rm` and `podman network rm` nothing of theirs is left on the host.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CNI_NETWORKS_DIR,
  CNI_RESULTS_DIR,
  OUR_BIN_DIR,
  RUN_PREFIX,
  diffHostState,
  iptablesSaveAll,
  links,
  netName,
  run,
  snapshotHost,
  trackLink,
  trackNetns,
  trackNetwork,
  trackPath,
  type HostSnapshot,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { OUR_PLUGINS, freeSubnet, mentionsBase, podmanSuite } from './env.ts';

useCleanup({ scope: 'all' });

const FIREWALL_STATE = '/var/lib/cni/firewall';

const { skipReason, podman, image } = await podmanSuite('podman');

const curl = (url: string) => run('curl', ['-s', '--noproxy', '*', '-m', '3', url], { timeoutMs: 5_000 });

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const iptablesAll = async () => `${await iptablesSaveAll(false)}\n${await iptablesSaveAll(true)}`;

describe.skipIf(skipReason !== undefined)('podman with only our plugins', () => {
  const p = () => podman!;
  const net = netName('pnet');
  const port = randomInt(20_000, 60_000);
  let sub: Awaited<ReturnType<typeof freeSubnet>>;
  let bridge = '';
  let before: HostSnapshot;
  interface Ctr {
    name: string;
    id: string;
    ip: string;
    sandbox: string;
    cgroups: string[];
  }
  const ctrs: Ctr[] = [];
  // Host-side names learnt while the containers run, to prove they are gone afterwards.
  const veths: string[] = [];
  const chains: string[] = [];

  // Only our network's objects count in the before/after diff: other files run in parallel.
  const relevant = (entry: string) =>
    entry.includes(net) || mentionsBase(sub.base)(entry) || entry === bridge || veths.includes(entry) || chains.some((c) => entry.includes(c));

  beforeAll(async () => {
    sub = await freeSubnet();
    p().networks.add(net);
    p().bases.add(sub.base);
    trackNetwork(net);
    trackPath(join(FIREWALL_STATE, net));
    before = await snapshotHost({ dirs: ['/var/lib/cni'] });
  });

  it('podman info: CNI backend, isolated storage, our runtime choice', async () => {
    const info = JSON.parse(await p().must(['info', '--format', 'json']));
    expect(info.host.networkBackend).toBe('cni');
    expect(info.store.graphRoot).toBe(join(p().dir, 'root'));
    expect(info.store.runRoot).toBe(join(p().dir, 'runroot'));
    expect(info.store.graphDriverName).toBe('vfs');
    expect(info.host.cgroupManager).toBe('cgroupfs');
    expect(info.host.ociRuntime.name).toBe(p().runtime);
  });

  it('network create writes a conflist of bridge, portmap, firewall, tuning, dnsname — all of them ours', async () => {
    expect((await p().must(['network', 'create', '--subnet', sub.subnet, net])).trim()).toBe(net);
    const files = await readdir(p().netDir);
    expect(files.filter((f) => f.endsWith('.conflist'))).toEqual([`${net}.conflist`]);
    const conf = JSON.parse(await readFile(join(p().netDir, `${net}.conflist`), 'utf8'));
    expect(conf.name).toBe(net);
    const types: string[] = conf.plugins.map((x: { type: string }) => x.type);
    // podman adds dnsname whenever a dnsname executable is in its plugin directories.
    expect(types).toEqual(['bridge', 'portmap', 'firewall', 'tuning', 'dnsname']);
    const bridgeConf = conf.plugins[0];
    expect(bridgeConf.ipam.type).toBe('host-local');
    expect(bridgeConf.ipam.ranges).toEqual([[{ subnet: sub.subnet, gateway: sub.gw }]]);
    // Every plugin the network can reach, IPAM included, is one of ours in dist/bin.
    for (const t of [...types, bridgeConf.ipam.type]) {
      expect(OUR_PLUGINS).toContain(t);
      expect(existsSync(join(OUR_BIN_DIR, t)), `${OUR_BIN_DIR}/${t}`).toBe(true);
    }
    // podman 4.3 has no --interface-name: it picks cni-podman<N>; cleanup deletes it.
    bridge = bridgeConf.bridge;
    expect(bridge).toMatch(/^cni-podman\d+$/);
    trackLink(bridge);
  });

  it('two containers: addresses in the subnet, host ↔ container, published 127.0.0.1 port, container ↔ container, rules in place', async () => {
    const net4 = ipaddr.parseCIDR(sub.subnet);
    for (const [name, publish] of [
      [`${RUN_PREFIX}-a`, true],
      [`${RUN_PREFIX}-b`, false],
    ] as const) {
      const id = (
        await p().must(
          [
            'run',
            '-d',
            '--name',
            name,
            '--network',
            net,
            '--cgroup-parent',
            p().cgroupParent,
            ...(publish ? ['-p', `127.0.0.1:${port}:8080`] : []),
            image,
            'sh',
            '-c',
            `echo hello from ${name} > /tmp/index.html && exec httpd -f -p 8080 -h /tmp`,
          ],
          60_000,
        )
      ).trim();
      const [inspect] = JSON.parse(await p().must(['inspect', name]));
      const ip: string = inspect.NetworkSettings.Networks[net].IPAddress;
      const sandbox: string = inspect.NetworkSettings.SandboxKey;
      if (sandbox.startsWith('/run/netns/') || sandbox.startsWith('/var/run/netns/')) trackNetns(sandbox.replace(/^.*\//, ''));
      expect(ipaddr.parse(ip).match(net4), `${ip} in ${sub.subnet}`).toBe(true);
      expect(ip).not.toBe(sub.gw);
      expect(inspect.NetworkSettings.Networks[net].Gateway).toBe(sub.gw);
      expect(existsSync(sandbox), sandbox).toBe(true);
      ctrs.push({ name, id, ip, sandbox, cgroups: [] });
    }
    const [a, b] = ctrs as [Ctr, Ctr];
    expect(a.ip).not.toBe(b.ip);

    // Host → container, through the bridge.
    for (const c of ctrs) {
      const body = await until(`httpd in ${c.name}`, async () => {
        const r = await curl(`http://${c.ip}:8080/`);
        return r.code === 0 ? r.stdout : undefined;
      });
      expect(body.trim()).toBe(`hello from ${c.name}`);
    }
    // The published port, on loopback only.
    const pub = await curl(`http://127.0.0.1:${port}/`);
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout.trim()).toBe(`hello from ${a.name}`);
    // Container ↔ container, over the bridge.
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      // busybox nc, not wget: the static wget 1.35 segfaults with -T, and without it could hang.
      const r = await p().pm(['exec', from.name, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${to.ip} 8080`]);
      expect(r.code, `${from.name} → ${to.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`hello from ${to.name}`);
      // By name, through our dnsname's dnsmasq on the bridge.
      const ns = await p().pm(['exec', from.name, 'busybox', 'nslookup', to.name]);
      expect(ns.code, `${from.name} resolves ${to.name}: ${ns.stdout}${ns.stderr}`).toBe(0);
      expect(ns.stdout).toContain(to.ip);
    }

    // Host side: two veths on podman's bridge, which carries the gateway.
    const all = await links();
    veths.push(...all.filter((l) => l.master === bridge).map((l) => l.ifname));
    expect(veths).toHaveLength(2);
    const br = (await run('ip', ['-j', '-4', 'addr', 'show', 'dev', bridge])).stdout;
    expect(JSON.parse(br)[0].addr_info.map((x: { local: string }) => x.local)).toEqual([sub.gw]);

    // IPAM: one lease per container, written by our host-local into the default dataDir.
    for (const c of ctrs) {
      expect(await readFile(join(CNI_NETWORKS_DIR, net, c.ip), 'utf8')).toContain(c.id);
    }
    // Our firewall plugin keeps a record per attachment (the Go one keeps none): proof that ours ran.
    expect((await readdir(join(FIREWALL_STATE, net))).sort()).toEqual(ctrs.map((c) => `${c.id}:eth0`).sort());

    const ipt = await iptablesSaveAll(false);
    const rules = ipt.split('\n');
    for (const c of ctrs) {
      // firewall: CNI-FORWARD lets the container's traffic and its replies through.
      expect(rules).toContain(`-A CNI-FORWARD -d ${c.ip}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
      expect(rules).toContain(`-A CNI-FORWARD -s ${c.ip}/32 -j ACCEPT`);
      // bridge ipMasq (podman's default): POSTROUTING → per-container CNI-<hash> chain that masquerades.
      const masq = rules.find((l) => l.startsWith(`-A POSTROUTING -s ${c.ip}/32 `) && l.includes(`id: \\"${c.id}\\"`));
      expect(masq, `masquerade jump for ${c.ip}`).toBeDefined();
      const masqChain = / -j (CNI-[0-9a-f]+)$/.exec(masq!)?.[1];
      expect(masqChain).toBeDefined();
      expect(rules.some((l) => l.startsWith(`-A ${masqChain} `) && l.includes('-j MASQUERADE'))).toBe(true);
      chains.push(masqChain!);
    }
    // portmap: the published port's DNAT, only for a.
    const dnatJumps = rules.filter((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') && l.includes(`id: \\"${a.id}\\"`));
    expect(dnatJumps).toHaveLength(1);
    const dn = / -j (CNI-DN-[0-9a-f]+)$/.exec(dnatJumps[0]!)?.[1];
    expect(dn, dnatJumps[0]).toBeDefined();
    chains.push(dn!);
    expect(rules).toContain(`-A ${dn} -d 127.0.0.1/32 -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${a.ip}:8080`);
    expect(rules.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') && l.includes(`id: \\"${b.id}\\"`))).toBe(false);

    for (const c of ctrs) {
      c.cgroups = (await readdir('/sys/fs/cgroup')).map((ctl) => join('/sys/fs/cgroup', ctl, RUN_PREFIX, `libpod-${c.id}`)).filter((d) => existsSync(d));
    }
    expect(a.cgroups.length, 'container cgroups under the prefixed parent').toBeGreaterThan(0);
  });

  it('rm -f and network rm leave nothing behind', async () => {
    expect(ctrs).toHaveLength(2);
    const rm = await p().pm(['rm', '-f', '-t', '0', ...ctrs.map((c) => c.name)], 60_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect(JSON.parse(await p().must(['ps', '-a', '--format', 'json']))).toEqual([]);

    const names = new Set((await links()).map((l) => l.ifname));
    expect(
      veths.filter((v) => names.has(v)),
      'host veths left',
    ).toEqual([]);
    for (const c of ctrs) {
      expect(existsSync(c.sandbox), `netns ${c.sandbox}`).toBe(false);
      expect(
        c.cgroups.filter((d) => existsSync(d)),
        `cgroups of ${c.name}`,
      ).toEqual([]);
    }
    // host-local keeps its dataDir, lock and last-reserved marker (as upstream does); no lease.
    expect((await readdir(join(CNI_NETWORKS_DIR, net))).sort()).toEqual(['last_reserved_ip.0', 'lock']);
    expect((await readdir(CNI_RESULTS_DIR).catch(() => [])).filter((e) => e.startsWith(`${net}-`))).toEqual([]);
    expect(existsSync(join(FIREWALL_STATE, net)), 'firewall records').toBe(false);

    const ipt = await iptablesAll();
    const nft = (await run('nft', ['list', 'ruleset'])).stdout;
    for (const c of ctrs) {
      expect(
        ipt.split('\n').filter((l) => l.includes(c.ip) || l.includes(c.id)),
        `iptables rules of ${c.ip}`,
      ).toEqual([]);
      expect(
        nft.split('\n').filter((l) => l.includes(c.ip)),
        `nft rules of ${c.ip}`,
      ).toEqual([]);
    }
    expect(
      ipt.split('\n').filter((l) => chains.some((ch) => l.includes(ch))),
      'per-container chains',
    ).toEqual([]);
    expect(
      ipt.split('\n').filter((l) => l.includes(net)),
      'rules naming the network',
    ).toEqual([]);

    const nrm = await p().pm(['network', 'rm', net]);
    expect(nrm.code, nrm.stderr).toBe(0);
    expect(await readdir(p().netDir).then((f) => f.filter((x) => x.endsWith('.conflist')))).toEqual([]);
    expect(
      (await links()).some((l) => l.ifname === bridge),
      `bridge ${bridge}`,
    ).toBe(false);

    // Against the host before `network create`: only host-local's dataDir remains.
    const after = await snapshotHost({ dirs: ['/var/lib/cni'] });
    const dataDir = join(CNI_NETWORKS_DIR, net);
    expect(diffHostState(before, after, { only: (_section, entry) => relevant(entry) })).toEqual([
      `files: + ${dataDir}`,
      `files: + ${dataDir}/last_reserved_ip.0`,
      `files: + ${dataDir}/lock`,
    ]);
  });
});
