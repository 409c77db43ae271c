// Benchmark suites beyond loopback: host-local, bridge with host-local, the full chain through
// cnitool, and 30 concurrent attachments. Ours and the Go reference run interleaved in one run,
// each on its own bridge, subnet and data directory.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { linkTypeMissing } from '../lib/link-types.ts';
import { podman } from './podman.ts';
import { childCpuMs, env, median, netnsAdd, netnsDel, OURS, peakRssKiB, prefix, REF, RUNS, timeExec, writeConflist, type Exec, type Row } from './measure.ts';

const CNITOOL = resolve('.tools/bin/cnitool');
type Who = 'ours' | 'ref';
const DIRS: Record<Who, string> = { ours: OURS, ref: REF };
// Distinct subnets per implementation: both may run side by side without touching each other.
const NET_OCTET: Record<Who, number> = { ours: 61, ref: 62 };

function tmp(label: string): string {
  return mkdtempSync(join(tmpdir(), `cni-bench-${label}-`));
}

async function must(e: Exec): Promise<number> {
  const o = await timeExec(e);
  if (o.exitCode !== 0) throw new Error(`${e.bin} ${e.env.CNI_COMMAND} failed: ${o.stdout} ${o.stderr}`);
  return o.ms;
}

/** ADD then DEL `RUNS` times for each implementation, alternating which goes first. */
async function addDelPairs(op: string, rows: Row[], call: (who: Who, cmd: string, i: number) => Exec): Promise<void> {
  const add: Record<Who, number[]> = { ours: [], ref: [] };
  const del: Record<Who, number[]> = { ours: [], ref: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const who of (i % 2 ? ['ref', 'ours'] : ['ours', 'ref']) as Who[]) {
      add[who].push(await must(call(who, 'ADD', i)));
      del[who].push(await must(call(who, 'DEL', i)));
    }
  }
  // Peak memory of one more ADD/DEL each (GNU time), outside the timed runs.
  const rss: Record<Who, [number, number]> = { ours: [0, 0], ref: [0, 0] };
  for (const who of ['ours', 'ref'] as Who[]) {
    rss[who] = [await peakRssKiB(call(who, 'ADD', RUNS)), await peakRssKiB(call(who, 'DEL', RUNS))];
  }
  rows.push({ op: `${op} ADD`, ours: median(add.ours), ref: median(add.ref), oursRss: rss.ours[0], refRss: rss.ref[0], runs: RUNS });
  rows.push({ op: `${op} DEL`, ours: median(del.ours), ref: median(del.ref), oursRss: rss.ours[1], refRss: rss.ref[1], runs: RUNS });
}

async function hostLocal(rows: Row[]): Promise<void> {
  const data = tmp('hl');
  try {
    await addDelPairs('host-local', rows, (who, cmd, i) => ({
      bin: `${DIRS[who]}/host-local`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-hl-${i}`, CNI_NETNS: '/var/run/netns/none', CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-hl-${who}`,
        type: 'bridge',
        ipam: { type: 'host-local', subnet: `10.${NET_OCTET[who]}.0.0/24`, dataDir: data },
      }),
    }));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

async function bridge(rows: Row[]): Promise<void> {
  const data = tmp('br');
  const ns = `${prefix}-br`;
  const path = await netnsAdd(ns);
  try {
    await addDelPairs('bridge + host-local (ipMasq)', rows, (who, cmd, i) => ({
      bin: `${DIRS[who]}/bridge`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-br-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-br-${who}`,
        type: 'bridge',
        bridge: `${prefix}${who[0]}br`,
        isGateway: true,
        ipMasq: true,
        ipam: { type: 'host-local', subnet: `10.${NET_OCTET[who]}.1.0/24`, routes: [{ dst: '0.0.0.0/0' }], dataDir: data },
      }),
    }));
  } finally {
    await netnsDel(ns);
    for (const who of ['ours', 'ref']) await execa('ip', ['link', 'del', `${prefix}${who[0]}br`], { reject: false });
    rmSync(data, { recursive: true, force: true });
  }
}

/**
 * ptp + host-local with ipMasq, run inside a namespace standing in for the node (`ip netns exec`,
 * the same wrapper for both): the host veths, routes, forwarding and nat rules never reach the host.
 */
async function ptp(rows: Row[]): Promise<void> {
  const data = tmp('ptp');
  const node = `${prefix}-ptpn`;
  await netnsAdd(node);
  await execa('ip', ['-n', node, 'link', 'set', 'lo', 'up']);
  const ns = `${prefix}-ptp`;
  const path = await netnsAdd(ns);
  const octet: Record<Who, number> = { ours: 1, ref: 2 };
  try {
    await addDelPairs('ptp + host-local (ipMasq)', rows, (who, cmd, i) => ({
      bin: 'ip',
      args: ['netns', 'exec', node, `${DIRS[who]}/ptp`],
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-ptp-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-ptp-${who}`,
        type: 'ptp',
        ipMasq: true,
        ipam: { type: 'host-local', subnet: `10.123.${octet[who]}.0/24`, routes: [{ dst: '0.0.0.0/0' }], dataDir: data },
      }),
    }));
  } finally {
    await netnsDel(ns);
    await netnsDel(node);
    rmSync(data, { recursive: true, force: true });
  }
}

/** A conflist directory with the full chain for one implementation. */
/** bridge + host-local (ipMasq), then portmap unless `bridgeOnly`: #21's "bridge + host-local ADD through cnitool" is the first. */
function chainConf(who: Who, data: string, bridgeOnly = false): { dir: string; net: string } {
  const dir = tmp(`conf-${who}`);
  const net = `${prefix}-ch-${who}`;
  return writeConflist(dir, net, [
    {
      type: 'bridge',
      bridge: `${prefix}${who[0]}ch`,
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', subnet: `10.${NET_OCTET[who]}.2.0/24`, routes: [{ dst: '0.0.0.0/0' }], dataDir: data },
    },
    ...(bridgeOnly ? [] : [{ type: 'portmap', capabilities: { portMappings: true } }]),
  ]);
}

function cnitoolExec(who: Who, conf: { dir: string; net: string }, verb: string, _nsPath: string, hostPort: number): Exec {
  return {
    bin: CNITOOL,
    env: {
      ...env(verb.toUpperCase(), {
        NETCONFPATH: conf.dir,
        CNI_PATH: DIRS[who],
        CAP_ARGS: JSON.stringify({ portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] }),
      }),
    },
  };
}

async function withCnitool(
  fn: (exec: (who: Who, verb: string, nsPath: string, port: number) => Exec, conf: Record<Who, { dir: string; net: string }>) => Promise<void>,
  bridgeOnly = false,
): Promise<void> {
  const data = tmp('ch');
  const conf = { ours: chainConf('ours', data, bridgeOnly), ref: chainConf('ref', data, bridgeOnly) };
  try {
    await fn((who, verb, nsPath, port) => {
      const e = cnitoolExec(who, conf[who], verb, nsPath, port);
      // cnitool takes the verb, network and namespace as arguments: wrap them into the exec.
      return { ...e, bin: e.bin, args: [verb, conf[who].net, nsPath] } as Exec & { args: string[] };
    }, conf);
  } finally {
    for (const c of Object.values(conf)) rmSync(c.dir, { recursive: true, force: true });
    for (const who of ['ours', 'ref']) await execa('ip', ['link', 'del', `${prefix}${who[0]}ch`], { reject: false });
    rmSync(data, { recursive: true, force: true });
  }
}

async function runCnitool(e: Exec & { args?: string[] }): Promise<number> {
  const t0 = performance.now();
  const r = await execa(e.bin, e.args ?? [], { env: e.env, extendEnv: false, reject: false });
  if (r.exitCode !== 0) throw new Error(`cnitool ${(e.args ?? []).join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
}

async function chain(rows: Row[]): Promise<void> {
  await chainRows(rows, true);
  await chainRows(rows, false);
}

async function chainRows(rows: Row[], bridgeOnly: boolean): Promise<void> {
  const label = bridgeOnly ? 'bridge+host-local (ipMasq)' : 'chain bridge+host-local+portmap';
  await withCnitool(async (exec) => {
    const add: Record<Who, number[]> = { ours: [], ref: [] };
    const del: Record<Who, number[]> = { ours: [], ref: [] };
    const cpu: Record<Who, { add: number[]; del: number[] }> = { ours: { add: [], del: [] }, ref: { add: [], del: [] } };
    // CPU of the whole process tree (cnitool and every plugin and command it ran), per call.
    const withCpu = async (list: number[], p: () => Promise<number>) => {
      const c0 = childCpuMs();
      const ms = await p();
      list.push(childCpuMs() - c0);
      return ms;
    };
    for (let i = 0; i < RUNS; i++) {
      for (const who of (i % 2 ? ['ref', 'ours'] : ['ours', 'ref']) as Who[]) {
        const ns = `${prefix}-c${who[0]}${i}`;
        const path = await netnsAdd(ns);
        try {
          add[who].push(await withCpu(cpu[who].add, () => runCnitool(exec(who, 'add', path, 20000 + i))));
          del[who].push(await withCpu(cpu[who].del, () => runCnitool(exec(who, 'del', path, 20000 + i))));
        } finally {
          await netnsDel(ns);
        }
      }
    }
    rows.push({ op: `${label} ADD (cnitool)`, ours: median(add.ours), ref: median(add.ref), runs: RUNS });
    rows.push({ op: `${label} DEL (cnitool)`, ours: median(del.ours), ref: median(del.ref), runs: RUNS });
    if (bridgeOnly) return;
    // Means: the kernel counts CPU in 10 ms ticks, so single calls are too coarse for a median.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    rows.push({ op: 'chain ADD: CPU of the process tree (mean)', ours: mean(cpu.ours.add), ref: mean(cpu.ref.add), runs: RUNS });
    rows.push({ op: 'chain DEL: CPU of the process tree (mean)', ours: mean(cpu.ours.del), ref: mean(cpu.ref.del), runs: RUNS });
  }, bridgeOnly);
}

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 30);

async function concurrent(rows: Row[]): Promise<void> {
  await withCnitool(async (exec) => {
    const wall: Record<Who, { add: number; del: number }> = { ours: { add: 0, del: 0 }, ref: { add: 0, del: 0 } };
    for (const who of ['ours', 'ref'] as Who[]) {
      const names = Array.from({ length: CONCURRENCY }, (_, i) => `${prefix}-p${who[0]}${i}`);
      const paths = await Promise.all(names.map(netnsAdd));
      try {
        const run = async (verb: string) => {
          const t0 = performance.now();
          const outs = await Promise.all(
            paths.map(async (p, i) => {
              const e = exec(who, verb, p, 21000 + i) as Exec & { args: string[] };
              const r = await execa(e.bin, e.args, { env: e.env, extendEnv: false, reject: false });
              return { code: r.exitCode, out: String(r.stdout), err: String(r.stderr) };
            }),
          );
          const ms = performance.now() - t0;
          const failed = outs.filter((o) => o.code !== 0);
          if (failed.length) throw new Error(`${who} concurrent ${verb}: ${failed.length} failed, e.g. ${failed[0]!.err}`);
          if (verb === 'add') {
            const ips = outs.map((o) => (JSON.parse(o.out) as { ips: Array<{ address: string }> }).ips[0]!.address);
            if (new Set(ips).size !== ips.length) throw new Error(`${who}: an address was handed out twice`);
          }
          return ms;
        };
        wall[who].add = await run('add');
        wall[who].del = await run('del');
      } finally {
        await Promise.all(names.map(netnsDel));
      }
    }
    rows.push({ op: `${CONCURRENCY} concurrent chain ADDs (wall)`, ours: wall.ours.add, ref: wall.ref.add, runs: 1 });
    rows.push({ op: `${CONCURRENCY} concurrent chain DELs (wall)`, ours: wall.ours.del, ref: wall.ref.del, runs: 1 });
  });
}

/**
 * The firewall plugin, alone and in the chain bridge+host-local+firewall through cnitool, measured
 * inside a host stand-in namespace by firewall-runner.ts (the real host's filter table is never
 * touched, and no namespace switch is inside the timings).
 */
async function firewall(rows: Row[]): Promise<void> {
  const host = `${prefix}-fwh`;
  await netnsAdd(host);
  try {
    await execa('ip', ['-n', host, 'link', 'set', 'lo', 'up']);
    const r = await execa(
      'ip',
      ['netns', 'exec', host, process.execPath, resolve('conformance/bench/firewall-runner.ts'), prefix, String(RUNS), OURS, REF, CNITOOL],
      { reject: false },
    );
    if (r.exitCode !== 0) throw new Error(`firewall bench failed: ${r.stderr}`);
    rows.push(...(JSON.parse(String(r.stdout)) as Row[]));
  } finally {
    await netnsDel(host);
    for (const who of ['ours', 'ref']) rmSync(`/var/lib/cni/firewall/${prefix}-fw-${who}`, { recursive: true, force: true });
  }
}

const TUNING = {
  mtu: 1400,
  promisc: true,
  allmulti: true,
  mac: '02:00:00:00:ca:fe',
  sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.arp_ignore': '1' },
};

/** tuning alone on a prepared veth in one namespace: DEL restores it for the next run. */
async function tuning(rows: Row[]): Promise<void> {
  const data = tmp('tu');
  const ns = `${prefix}-tu`;
  const path = await netnsAdd(ns);
  try {
    await execa('ip', ['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    await addDelPairs('tuning (mac, mtu, promisc, allmulti, 2 sysctls)', rows, (who, cmd, i) => ({
      bin: `${DIRS[who]}/tuning`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-tu-${who}-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-tu`,
        type: 'tuning',
        dataDir: data,
        ...TUNING,
        prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: path }], ips: [{ address: '10.202.249.2/24', interface: 0 }] },
      }),
    }));
  } finally {
    await netnsDel(ns);
    rmSync(data, { recursive: true, force: true });
  }
}

/**
 * macvlan (and ipvlan where the kernel has it) + host-local on a master made for the purpose: one
 * end of a prefixed veth pair on the host, never a real interface. Each implementation its subnet.
 */
function lowerLinkSuite(type: 'macvlan' | 'ipvlan') {
  return async (rows: Row[]): Promise<void> => {
    const data = tmp(type.slice(0, 2));
    const ns = `${prefix}-${type.slice(0, 2)}`;
    const master = `${prefix}${type[0]}m`;
    const path = await netnsAdd(ns);
    try {
      await execa('ip', ['link', 'add', master, 'type', 'veth', 'peer', 'name', `${prefix}${type[0]}p`]);
      await execa('ip', ['link', 'set', master, 'up']);
      const probe = await execa('ip', ['link', 'add', 'link', master, 'name', `${prefix}${type[0]}x`, 'type', type], { reject: false });
      if (probe.exitCode !== 0) {
        console.log(`${type}: skipped, this kernel cannot make ${type} links: ${probe.stderr.trim()}`);
        return;
      }
      await execa('ip', ['link', 'del', `${prefix}${type[0]}x`]);
      await addDelPairs(`${type} + host-local`, rows, (who, cmd, i) => ({
        bin: `${DIRS[who]}/${type}`,
        env: env(cmd, { CNI_CONTAINERID: `${prefix}-${type}-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
        stdin: JSON.stringify({
          cniVersion: '1.0.0',
          name: `${prefix}-${type}-${who}`,
          type,
          master,
          ipam: { type: 'host-local', subnet: `10.114.${who === 'ours' ? 1 : 2}.0/24`, routes: [{ dst: '0.0.0.0/0' }], dataDir: data },
        }),
      }));
    } finally {
      await netnsDel(ns);
      await execa('ip', ['link', 'del', master], { reject: false });
      rmSync(data, { recursive: true, force: true });
    }
  };
}

/**
 * bridge + host-local + tuning through cnitool, twice: with the reference bridge and host-local on
 * both sides (only tuning differs), and all ours against all reference.
 */
async function tuningChain(rows: Row[]): Promise<void> {
  const data = tmp('tc');
  const dirs: string[] = [data];
  const variants = [
    {
      label: 'chain ref bridge+host-local + tuning',
      plugins: { ours: { bridge: REF, 'host-local': REF, tuning: OURS }, ref: { bridge: REF, 'host-local': REF, tuning: REF } },
      octet: { ours: 250, ref: 251 },
    },
    {
      label: 'chain bridge+host-local+tuning, all ours vs all ref',
      plugins: { ours: { bridge: OURS, 'host-local': OURS, tuning: OURS }, ref: { bridge: REF, 'host-local': REF, tuning: REF } },
      octet: { ours: 252, ref: 253 },
    },
  ];
  try {
    for (const [v, variant] of variants.entries()) {
      const setup = {} as Record<Who, { conf: string; path: string; net: string; br: string }>;
      for (const who of ['ours', 'ref'] as Who[]) {
        const path = tmp(`tcpath-${who}`);
        const conf = tmp(`tcconf-${who}`);
        dirs.push(path, conf);
        for (const [name, dir] of Object.entries(variant.plugins[who])) await execa('ln', ['-s', `${dir}/${name}`, join(path, name)]);
        const net = `${prefix}-tc${v}-${who}`;
        const br = `${prefix}t${v}${who[0]}`;
        writeFileSync(
          join(conf, `${net}.conflist`),
          JSON.stringify({
            cniVersion: '1.0.0',
            name: net,
            plugins: [
              { type: 'bridge', bridge: br, isGateway: true, ipam: { type: 'host-local', subnet: `10.202.${variant.octet[who]}.0/24`, dataDir: data } },
              { type: 'tuning', capabilities: { mac: true }, dataDir: data, ...TUNING },
            ],
          }),
        );
        setup[who] = { conf, path, net, br };
      }
      const add: Record<Who, number[]> = { ours: [], ref: [] };
      const del: Record<Who, number[]> = { ours: [], ref: [] };
      try {
        for (let i = 0; i < RUNS; i++) {
          for (const who of (i % 2 ? ['ref', 'ours'] : ['ours', 'ref']) as Who[]) {
            const ns = `${prefix}-t${who[0]}${i}`;
            const nsPath = await netnsAdd(ns);
            const s = setup[who];
            const e = (verb: string) => ({
              bin: CNITOOL,
              args: [verb, s.net, nsPath],
              env: env(verb.toUpperCase(), { NETCONFPATH: s.conf, CNI_PATH: s.path, CAP_ARGS: JSON.stringify({ mac: '02:00:00:00:be:ef' }) }),
            });
            try {
              add[who].push(await runCnitool(e('add')));
              del[who].push(await runCnitool(e('del')));
            } finally {
              await netnsDel(ns);
            }
          }
        }
      } finally {
        for (const who of ['ours', 'ref'] as Who[]) await execa('ip', ['link', 'del', setup[who].br], { reject: false });
      }
      rows.push({ op: `${variant.label} ADD (cnitool)`, ours: median(add.ours), ref: median(add.ref), runs: RUNS });
      rows.push({ op: `${variant.label} DEL (cnitool)`, ours: median(del.ours), ref: median(del.ref), runs: RUNS });
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** `bin` run inside the named namespace standing in for the node (its master is there, never on the real host). */
const inNode = (node: string, bin: string) => ({ bin: '/usr/bin/nsenter', args: [`--net=/var/run/netns/${node}`, '--', bin] });

/** A node namespace with a veth pair m0/p0 (the master stands in for its uplink), and a container namespace. */
async function nodeAndCtr(tag: string): Promise<{ node: string; ctr: string; path: string }> {
  const node = `${prefix}-${tag}n`;
  const ctr = `${prefix}-${tag}c`;
  await netnsAdd(node);
  const path = await netnsAdd(ctr);
  await execa('ip', ['-n', node, 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'p0']);
  for (const l of ['m0', 'p0']) await execa('ip', ['-n', node, 'link', 'set', l, 'up']);
  return { node, ctr, path };
}

/** vlan + host-local, ADD and DEL on a node's veth; skipped on a kernel without 802.1q. */
async function vlan(rows: Row[]): Promise<void> {
  const missing = await linkTypeMissing('vlan');
  if (missing) return void console.log(`vlan: skipped (${missing})`);
  const data = tmp('vl');
  const { node, ctr, path } = await nodeAndCtr('vl');
  try {
    await addDelPairs('vlan + host-local', rows, (who, cmd, i) => ({
      ...inNode(node, `${DIRS[who]}/vlan`),
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-vl-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-vl-${who}`,
        type: 'vlan',
        master: 'm0',
        vlanId: 100,
        ipam: { type: 'host-local', subnet: `10.139.${who === 'ours' ? 1 : 2}.0/24`, dataDir: data },
      }),
    }));
  } finally {
    await netnsDel(ctr);
    await netnsDel(node);
    rmSync(data, { recursive: true, force: true });
  }
}

/** dummy + host-local, ADD and DEL (Debian's reference has no dummy: ours alone); skipped on a kernel without dummy links. */
async function dummy(rows: Row[]): Promise<void> {
  const missing = await linkTypeMissing('dummy');
  if (missing) return void console.log(`dummy: skipped (${missing})`);
  const data = tmp('dm');
  const ctr = `${prefix}-dm`;
  const path = await netnsAdd(ctr);
  const call = (cmd: string, i: number): Exec => ({
    bin: `${OURS}/dummy`,
    env: env(cmd, { CNI_CONTAINERID: `${prefix}-dm-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: OURS }),
    stdin: JSON.stringify({ cniVersion: '1.0.0', name: `${prefix}-dm`, type: 'dummy', ipam: { type: 'host-local', subnet: '10.139.3.0/24', dataDir: data } }),
  });
  try {
    const add: number[] = [];
    const del: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      add.push(await must(call('ADD', i)));
      del.push(await must(call('DEL', i)));
    }
    const rss = [await peakRssKiB(call('ADD', RUNS)), await peakRssKiB(call('DEL', RUNS))];
    rows.push({ op: 'dummy + host-local ADD', ours: median(add), ref: NaN, oursRss: rss[0], runs: RUNS });
    rows.push({ op: 'dummy + host-local DEL', ours: median(del), ref: NaN, oursRss: rss[1], runs: RUNS });
  } finally {
    await netnsDel(ctr);
    rmSync(data, { recursive: true, force: true });
  }
}

/**
 * bandwidth alone (ingress and egress shaping), run through nsenter inside a namespace standing
 * in for the node. Each run shapes a veth pair of its own: DEL removes the IFB but leaves the host
 * veth's qdiscs to go with the veth, as the reference does.
 */
async function bandwidth(rows: Row[]): Promise<void> {
  const node = `${prefix}-bwn`;
  const ctr = `${prefix}-bwc`;
  const [nodePath, ctrPath] = [await netnsAdd(node), await netnsAdd(ctr)];
  try {
    const pairs = (['ours', 'ref'] as Who[]).flatMap((who) => Array.from({ length: RUNS + 1 }, (_, i) => [`h${who[0]}${i}`, `c${who[0]}${i}`]));
    const script = pairs.flatMap(([h, c]) => [`link add ${h} type veth peer name ${c} netns ${ctr}`, `link set ${h} up`]).join('\n');
    await execa('ip', ['-n', node, '-batch', '-'], { input: `${script}\n` });
    await execa('ip', ['-n', ctr, '-batch', '-'], { input: `${pairs.map(([, c]) => `link set ${c} up`).join('\n')}\n` });
    await addDelPairs('bandwidth (ingress + egress)', rows, (who, cmd, i) => ({
      bin: 'nsenter',
      args: [`--net=${nodePath}`, '--', `${DIRS[who]}/bandwidth`],
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-bw-${i}`, CNI_NETNS: ctrPath, CNI_IFNAME: `c${who[0]}${i}`, CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-bw-${who}`,
        type: 'bandwidth',
        ingressRate: 10_000_000,
        ingressBurst: 800_000,
        egressRate: 10_000_000,
        egressBurst: 800_000,
        prevResult: {
          cniVersion: '1.0.0',
          interfaces: [{ name: `h${who[0]}${i}` }, { name: `c${who[0]}${i}`, sandbox: ctrPath }],
          ips: [{ address: '10.162.0.2/24', interface: 1 }],
        },
      }),
    }));
  } finally {
    await netnsDel(ctr);
    await netnsDel(node);
  }
}

/** sbr alone on a prepared veth: each run has an address of its own (ADD moves the routes out of main). */
async function sbr(rows: Row[]): Promise<void> {
  const ns = `${prefix}-sbr`;
  const path = await netnsAdd(ns);
  try {
    const lines = ['link add eth0 type veth peer name p0', 'link set eth0 up', 'link set p0 up'];
    for (let i = 0; i <= RUNS; i++) for (const who of ['ours', 'ref'] as Who[]) lines.push(`addr add 10.162.${NET_OCTET[who]}.${i + 2}/32 dev eth0`);
    await execa('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
    await addDelPairs('sbr (one address)', rows, (who, cmd, i) => ({
      bin: `${DIRS[who]}/sbr`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-sbr-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-sbr`,
        type: 'sbr',
        prevResult: {
          cniVersion: '1.0.0',
          interfaces: [{ name: 'eth0', sandbox: path }],
          ips: [{ address: `10.162.${NET_OCTET[who]}.${i + 2}/32`, interface: 0 }],
        },
      }),
    }));
  } finally {
    await netnsDel(ns);
  }
}

/**
 * dnsname alone on a prepared bridge with one other container attached, so that each ADD and DEL is
 * the usual case: addnhosts rewritten and dnsmasq sent SIGHUP (the anchor's DEL stops it at the end).
 */
async function dnsname(rows: Row[]): Promise<void> {
  const setup = {} as Record<Who, { br: string; net: string; conf: (cid: string) => string }>;
  const call = (who: Who, cmd: string, cid: string): Exec => ({
    bin: `${DIRS[who]}/dnsname`,
    env: {
      ...env(cmd, {
        CNI_CONTAINERID: cid,
        CNI_NETNS: '/var/run/netns/none',
        CNI_IFNAME: 'eth0',
        CNI_PATH: DIRS[who],
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${cid}`,
      }),
      XDG_RUNTIME_DIR: '',
    },
    stdin: setup[who].conf(cid),
  });
  try {
    for (const [i, who] of (['ours', 'ref'] as Who[]).entries()) {
      const br = `${prefix}dn${who[0]}`;
      const net = `${prefix}-dn-${who}`;
      await execa('ip', ['link', 'add', br, 'type', 'bridge']);
      await execa('ip', ['addr', 'add', `10.174.${250 + i}.1/24`, 'dev', br]);
      await execa('ip', ['link', 'set', br, 'up']);
      let n = 2;
      const ips = new Map<string, number>();
      setup[who] = {
        br,
        net,
        conf: (cid) => {
          if (!ips.has(cid)) ips.set(cid, n++ % 250);
          return JSON.stringify({
            cniVersion: '1.0.0',
            name: net,
            type: 'dnsname',
            domainName: 'dns.podman',
            runtimeConfig: { aliases: { [net]: ['alias1', 'f00dfeedbeef'] } },
            prevResult: {
              cniVersion: '1.0.0',
              interfaces: [{ name: br }, { name: 'eth0', sandbox: '/var/run/netns/none' }],
              ips: [{ address: `10.174.${250 + i}.${ips.get(cid)}/24`, interface: 1 }],
            },
          });
        },
      };
      await must(call(who, 'ADD', `${prefix}-anchor`));
    }
    await addDelPairs('dnsname (one other container attached; SIGHUP)', rows, (who, cmd, i) => call(who, cmd, `${prefix}-dn-${i}`));
  } finally {
    for (const who of ['ours', 'ref'] as Who[]) {
      if (!setup[who]) continue;
      await timeExec(call(who, 'DEL', `${prefix}-anchor`));
      // The reference never removes its INPUT rule.
      await execa('iptables', ['-D', 'INPUT', '-i', setup[who].br, '-p', 'udp', '-m', 'udp', '--dport', '53', '-j', 'ACCEPT'], { reject: false });
      await execa('ip', ['link', 'del', setup[who].br], { reject: false });
      rmSync(`/run/containers/cni/dnsname/${setup[who].net}`, { recursive: true, force: true });
    }
  }
}

/** static IPAM alone, and as the IPAM of the bridge (ours runs it in-process). */
async function staticIpam(rows: Row[]): Promise<void> {
  const octet: Record<Who, number> = { ours: 240, ref: 241 };
  const ipam = (who: Who) => ({
    type: 'static',
    addresses: [{ address: `10.150.${octet[who]}.5/24`, gateway: `10.150.${octet[who]}.1` }],
    routes: [{ dst: '0.0.0.0/0' }],
  });
  await addDelPairs('static', rows, (who, cmd, i) => ({
    bin: `${DIRS[who]}/static`,
    env: env(cmd, { CNI_CONTAINERID: `${prefix}-st-${i}`, CNI_NETNS: '/var/run/netns/none', CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
    stdin: JSON.stringify({ cniVersion: '1.0.0', name: `${prefix}-st-${who}`, type: 'macvlan', ipam: ipam(who) }),
  }));
  const ns = `${prefix}-bs`;
  const path = await netnsAdd(ns);
  try {
    await addDelPairs('bridge + static', rows, (who, cmd, i) => ({
      bin: `${DIRS[who]}/bridge`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-bs-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-bs-${who}`,
        type: 'bridge',
        bridge: `${prefix}${who[0]}bs`,
        isGateway: true,
        ipam: ipam(who),
      }),
    }));
  } finally {
    await netnsDel(ns);
    for (const who of ['ours', 'ref']) await execa('ip', ['link', 'del', `${prefix}${who[0]}bs`], { reject: false });
  }
}

/**
 * flannel (ours, delegating to our bridge + host-local) against the Go bridge + host-local called
 * directly with the delegate configuration flannel builds: flannel has no Go binary to compare with.
 */
async function flannel(rows: Row[]): Promise<void> {
  const data = tmp('fl');
  const ns = `${prefix}-fl`;
  const path = await netnsAdd(ns);
  const octet: Record<Who, number> = { ours: 242, ref: 243 };
  const subnetFile = (who: Who) => join(data, `subnet-${who}.env`);
  for (const who of ['ours', 'ref'] as Who[]) {
    writeFileSync(subnetFile(who), `FLANNEL_NETWORK=10.150.0.0/16\nFLANNEL_SUBNET=10.150.${octet[who]}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`);
  }
  const delegate = (who: Who) => ({ hairpinMode: true, isDefaultGateway: true, bridge: `${prefix}${who[0]}fl` });
  try {
    await addDelPairs('flannel → bridge + host-local (ref: Go bridge + host-local direct)', rows, (who, cmd, i) => ({
      bin: who === 'ours' ? `${OURS}/flannel` : `${REF}/bridge`,
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-fl-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify(
        who === 'ours'
          ? {
              cniVersion: '0.3.1',
              name: `${prefix}-fl-${who}`,
              type: 'flannel',
              subnetFile: subnetFile(who),
              dataDir: join(data, 'saved'),
              ipam: { dataDir: data },
              delegate: delegate(who),
            }
          : {
              cniVersion: '0.3.1',
              name: `${prefix}-fl-${who}`,
              type: 'bridge',
              ...delegate(who),
              ipMasq: false,
              isGateway: true,
              mtu: 1450,
              ipam: { type: 'host-local', dataDir: data, ranges: [[{ subnet: `10.150.${octet[who]}.0/24` }]], routes: [{ dst: '10.150.0.0/16' }] },
            },
      ),
    }));
  } finally {
    await netnsDel(ns);
    for (const who of ['ours', 'ref']) await execa('ip', ['link', 'del', `${prefix}${who[0]}fl`], { reject: false });
    rmSync(data, { recursive: true, force: true });
  }
}

/**
 * host-device with host-local: each implementation has a node stand-in namespace holding a veth
 * end (the device) and a container; the plugin runs in the node through `nsenter --net` (both
 * sides pay it), ADD moves the device in, DEL gives it back for the next run.
 */
async function hostDevice(rows: Row[]): Promise<void> {
  const data = tmp('hd');
  const names = (who: Who) => ({ node: `${prefix}-hd-${who}`, ctr: `${prefix}-hdc-${who}`, peer: `${prefix}-hdp-${who}` });
  try {
    for (const who of ['ours', 'ref'] as Who[]) {
      const n = names(who);
      for (const ns of [n.node, n.ctr, n.peer]) await netnsAdd(ns);
      await execa('ip', ['-n', n.node, 'link', 'add', 'hd0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', n.peer]);
      await execa('ip', ['-n', n.node, 'link', 'set', 'hd0', 'up']);
    }
    await addDelPairs('host-device (veth end, host-local)', rows, (who, cmd, i) => ({
      bin: 'nsenter',
      args: [`--net=/var/run/netns/${names(who).node}`, '--', `${DIRS[who]}/host-device`],
      env: env(cmd, { CNI_CONTAINERID: `${prefix}-hd-${who}-${i}`, CNI_NETNS: `/var/run/netns/${names(who).ctr}`, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
      stdin: JSON.stringify({
        cniVersion: '1.0.0',
        name: `${prefix}-hd-${who}`,
        type: 'host-device',
        device: 'hd0',
        ipam: { type: 'host-local', subnet: `10.134.${NET_OCTET[who]}.0/24`, dataDir: data },
      }),
    }));
  } finally {
    for (const who of ['ours', 'ref'] as Who[]) for (const ns of Object.values(names(who))) await netnsDel(ns);
    rmSync(data, { recursive: true, force: true });
  }
}

export const extraSuites: Record<string, (rows: Row[]) => Promise<void>> = {
  'host-local': hostLocal,
  bridge,
  chain,
  concurrent,
  firewall,
  tuning,
  'tuning-chain': tuningChain,
  bandwidth,
  sbr,
  vlan,
  dummy,
  dnsname,
  static: staticIpam,
  flannel,
  'host-device': hostDevice,
  ptp,
  podman,
  macvlan: lowerLinkSuite('macvlan'),
  ipvlan: lowerLinkSuite('ipvlan'),
};
