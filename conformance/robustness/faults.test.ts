// Faults: plugins SIGKILLed mid-ADD, a failing or exhausted IPAM, a vanished namespace, a bridge
// deleted under a running container, a full or read-only data directory, and concurrent ADD/DEL
// on a bridge that does not exist yet. Each must end in clear errors and no partial state.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  bridgeName,
  containerId,
  createNetns,
  deleteNetns,
  diffHostState,
  exclusiveHost,
  haveOurBin,
  ipJson,
  links,
  makeTempDir,
  mixedCniPath,
  netName,
  onCleanup,
  ourBin,
  run,
  snapshotHost,
  trackLink,
  OUR_BIN_DIR,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { addChain, bridgeConf, call, delChain, leases, portmapConf, waitProcsGone, type Net } from './chain.ts';
import { SCALE, report } from './scale.ts';
import { diff, newCtr, newNet, nsName, snap, warmUp } from './state.ts';
import { FIREWALL, makeHost, trackState } from '../firewall/sandbox.ts';
import { DNSNAME_ROOT, dnsmasqProcesses } from '../lib/cleanup.ts';
import { stopAtCleanup as stopDnsmasqAtCleanup } from '../dnsname/helpers.ts';
import { call as callTuning, conf as tuningConf, makeEnv as makeTuningEnv, snapshot as tuningSnapshot } from '../tuning/helpers.ts';
import { call as callMacvlan, conf as macvlanConf, leases as macvlanLeases, makeEnv as makeMacvlanEnv, makeLan } from '../macvlan/helpers.ts';

const ok = ['loopback', 'host-local', 'bridge', 'portmap'].every(haveOurBin);
describe.skipIf(!ok)('robustness: faults', () => {
  useCleanup({ scope: 'all' });

  it('SIGKILL at a random point of ADD, then DEL cleans up and ADD works again', { timeout: 600_000 }, async () => {
    const n = await newNet('10.166.2.0/24');
    await warmUp(n);
    const victims = ['bridge', 'portmap', 'host-local'] as const;
    const problems: string[] = [];
    let killed = 0;
    for (let t = 0; t < SCALE.killTrials; t++) {
      const c = await newCtr();
      const victim = victims[t % victims.length]!;
      const delay = randomInt(0, 151);
      await exclusiveHost(async () => {
        const before = await snap(n, c);
        let prev: unknown;
        if (victim === 'portmap') {
          const br = await call('bridge', 'ADD', n, c, bridgeConf(n));
          if (br.code !== 0) throw new Error(`bridge ADD: ${br.stdout}`);
          prev = br.json;
        }
        const env = {
          ...baseEnv(),
          CNI_COMMAND: 'ADD',
          CNI_CONTAINERID: c.id,
          CNI_NETNS: c.netns,
          CNI_IFNAME: 'eth0',
          CNI_PATH: OUR_BIN_DIR,
        };
        const conf = victim === 'portmap' ? portmapConf(n, c, prev) : bridgeConf(n);
        const child = execa(ourBin(victim), [], { env, extendEnv: false, input: JSON.stringify(conf), reject: false });
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        const r = await child;
        clearTimeout(timer);
        if (r.signal === 'SIGKILL') killed++;
        await waitProcsGone(c.id); // the killed plugin's children (IPAM, ip, iptables) finish on their own
        // The runtime saw a failed ADD and has no result: DEL without prevResult.
        try {
          await delChain(n, c, undefined);
        } catch (e) {
          problems.push(`trial ${t} (${victim} killed after ${delay} ms): ${(e as Error).message}`);
        }
        const d = diff(n, before, await snap(n, c));
        if (d.length) problems.push(`trial ${t} (${victim} killed after ${delay} ms) left: ${d.join('; ').slice(0, 800)}`);
      });
      await deleteNetns(nsName(c));
    }
    // The network still works for a new container.
    const c = await newCtr();
    const res = await addChain(n, c);
    expect(res.ips?.[0]?.address).toMatch(/^10\.166\.2\./);
    await delChain(n, c, res);
    expect(await leases(n)).toEqual([]);
    report('SIGKILL trials', `${SCALE.killTrials} (${killed} actually killed mid-run)`);
    expect(problems).toEqual([]);
  });

  it.skipIf(!haveOurBin('firewall'))(
    'SIGKILL at a random point of firewall ADD (in a host stand-in), then DEL without prevResult leaves nothing',
    { timeout: 300_000 },
    async () => {
      // The firewall's rules go to a FORWARD-DROP stand-in for the host, never to the real filter table.
      const host = await makeHost();
      const net = netName();
      const dir = trackState(net);
      const ns = await createNetns();
      const conf = (i: number) => ({
        cniVersion: '1.1.0',
        name: net,
        type: 'firewall',
        backend: 'iptables',
        ingressPolicy: 'same-bridge',
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: 'cgbrk' }, { name: 'eth0', sandbox: ns.path }],
          ips: [
            { interface: 1, address: `10.201.40.${i + 2}/24` },
            { interface: 1, address: `fd01:201:40::${i + 2}/64` },
          ],
        },
      });
      const env = (command: string, cid: string) => ({
        ...baseEnv(),
        CNI_COMMAND: command,
        CNI_CONTAINERID: cid,
        CNI_NETNS: ns.path,
        CNI_IFNAME: 'eth0',
        CNI_PATH: OUR_BIN_DIR,
      });
      const exec = (command: string, cid: string, c: object) =>
        execa('ip', ['netns', 'exec', host.ns.name, FIREWALL.ours], { env: env(command, cid), extendEnv: false, input: JSON.stringify(c), reject: false });
      // Warm-up: the shared chains and this bridge's isolation exist before the snapshots.
      const w = containerId();
      expect((await exec('ADD', w, conf(99))).exitCode).toBe(0);
      expect((await exec('DEL', w, { ...conf(99), prevResult: undefined })).exitCode).toBe(0);
      const trials = Math.max(6, SCALE.killTrials / 2);
      const problems: string[] = [];
      let killed = 0;
      for (let t = 0; t < trials; t++) {
        const cid = containerId();
        // Wider than the chain's: start-up alone takes most of 150 ms on a loaded machine.
        const delay = randomInt(0, 401);
        const before = await snapshotHost({ netns: host.ns.name, dirs: [dir] });
        const child = exec('ADD', cid, conf(t));
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        const r = await child;
        clearTimeout(timer);
        if (r.signal === 'SIGKILL') killed++;
        await waitProcsGone(cid); // iptables-restore started by the killed plugin finishes on its own
        const del = await exec('DEL', cid, { ...conf(t), prevResult: undefined });
        if (del.exitCode !== 0) problems.push(`trial ${t} (killed after ${delay} ms): DEL failed: ${del.stdout}`);
        const d = diffHostState(before, await snapshotHost({ netns: host.ns.name, dirs: [dir] }), { ignore: (sec, e) => sec === 'files' && e === dir });
        if (d.length) problems.push(`trial ${t} (killed after ${delay} ms) left: ${d.join('; ').slice(0, 800)}`);
      }
      report('firewall SIGKILL trials', `${trials} (${killed} actually killed mid-run)`);
      expect(problems).toEqual([]);
    },
  );

  it('a failing IPAM plugin: its error is passed on and nothing is left', async () => {
    const dir = await makeTempDir('failipam');
    const script = `${dir}/failipam`;
    await writeFile(script, '#!/bin/sh\ncat >/dev/null\necho \'{"cniVersion":"1.1.0","code":11,"msg":"ipam says no: pool offline"}\'\nexit 1\n');
    await chmod(script, 0o755);
    const cniPath = await mixedCniPath({ bridge: 'ours', 'host-local': 'ours', portmap: 'ours', loopback: 'ours', failipam: script });
    const good = await newNet('10.166.5.0/24', { cniPath });
    await warmUp(good);
    const bad: Net = { ...good, ipamType: 'failipam' };
    const c = await newCtr();
    await exclusiveHost(async () => {
      const before = await snap(good, c);
      const r = await call('bridge', 'ADD', bad, c, bridgeConf(bad));
      expect(r.code).not.toBe(0);
      expect(r.json).toMatchObject({ code: 11, msg: expect.stringContaining('pool offline') });
      expect(diff(good, before, await snap(good, c))).toEqual([]);
    });
  });

  it('an exhausted range: a clear error, the earlier lease intact, nothing else left', async () => {
    const n = await newNet('10.166.6.0/24', { range: { rangeStart: '10.166.6.10', rangeEnd: '10.166.6.10' } });
    const c1 = await newCtr();
    const r1 = await addChain(n, c1);
    const c2 = await newCtr();
    await exclusiveHost(async () => {
      const before = await snap(n, c2);
      const r = await call('bridge', 'ADD', n, c2, bridgeConf(n));
      expect(r.code).not.toBe(0);
      expect(r.json?.msg).toMatch(/no IP addresses available|exhausted|available/i);
      expect(diff(n, before, await snap(n, c2))).toEqual([]);
    });
    await delChain(n, c1, r1);
    expect(await leases(n)).toEqual([]);
  });

  it('a vanished namespace: ADD fails naming it; DEL of a container whose netns is gone succeeds and cleans up', async () => {
    const n = await newNet('10.166.7.0/24');
    await warmUp(n);
    const gone = await newCtr();
    await deleteNetns(nsName(gone));
    await exclusiveHost(async () => {
      const before = await snap(n);
      const r = await call('bridge', 'ADD', n, gone, bridgeConf(n));
      expect(r.code).not.toBe(0);
      expect(r.json?.msg).toMatch(/netns|namespace/i);
      const lo = await call('loopback', 'ADD', n, gone, { cniVersion: '1.1.0', name: n.name, type: 'loopback' }, 'lo');
      expect(lo.code).not.toBe(0);
      expect(diff(n, before, await snap(n))).toEqual([]);
    });
    const c = await newCtr();
    await exclusiveHost(async () => {
      const before = await snap(n);
      const res = await addChain(n, c);
      await deleteNetns(nsName(c)); // the runtime lost the namespace
      await delChain(n, c, res);
      expect(diff(n, before, await snap(n))).toEqual([]);
    });
  });

  it('the bridge deleted under a running container: CHECK says so, DEL cleans up, ADD recreates it', async () => {
    const n = await newNet('10.166.8.0/24');
    const c = await newCtr();
    const res = await addChain(n, c);
    await run('ip', ['link', 'del', n.bridge]);
    const chk = await call('bridge', 'CHECK', n, c, { ...bridgeConf(n), prevResult: res });
    expect(chk.code).not.toBe(0);
    expect(chk.json?.msg).toMatch(new RegExp(`${n.bridge}|bridge|not found|master`, 'i'));
    await delChain(n, c, res);
    expect(await leases(n)).toEqual([]);
    const c2 = await newCtr();
    const res2 = await addChain(n, c2);
    expect((await links()).some((l) => l.ifname === n.bridge)).toBe(true);
    await delChain(n, c2, res2);
    expect(await leases(n)).toEqual([]);
  });

  for (const kind of ['full', 'read-only'] as const) {
    it(`a ${kind} data directory: a clear error and no partial state`, async () => {
      const mnt = await makeTempDir(`mnt-${kind}`);
      const n = await newNet(kind === 'full' ? '10.166.9.0/24' : '10.166.10.0/24', { dataDir: mnt });
      await warmUp(n); // on the plain dir: bridge, chains, lease dir and lock exist
      const opts = kind === 'full' ? ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mnt] : ['--bind', mnt, mnt];
      const m = await run('mount', opts);
      expect(m.code, m.stderr).toBe(0);
      onCleanup(() => run('umount', ['-l', mnt]));
      if (kind === 'full') {
        await mkdir(`${mnt}/${n.name}`);
        await writeFile(`${mnt}/${n.name}/lock`, '');
        await run('dd', ['if=/dev/zero', `of=${mnt}/filler`, 'bs=1k', 'count=64']); // fails at ENOSPC: that's the point
      } else {
        expect((await run('mount', ['-o', 'remount,bind,ro', mnt])).code).toBe(0);
      }
      const c = await newCtr();
      await exclusiveHost(async () => {
        const before = await snap(n, c);
        const r = await call('bridge', 'ADD', n, c, bridgeConf(n));
        expect(r.code).not.toBe(0);
        expect(r.json?.msg).toMatch(kind === 'full' ? /space|ENOSPC|reserve|write/i : /read-only|EROFS|permission|reserve|lock|data directory/i);
        expect(diff(n, before, await snap(n, c)), `bridge ${n.bridge}`).toEqual([]);
      });
      await run('umount', ['-l', mnt]);
    });
  }

  it('concurrent ADD and DEL from many processes on a bridge not yet created: no error, no address twice', { timeout: 300_000 }, async () => {
    const n = await newNet('10.166.3.0/24');
    const N = SCALE.concurrent;
    const first = await Promise.all(Array.from({ length: N }, newCtr));
    const firstRes = await Promise.all(first.map((c) => addChain(n, c)));
    const addrs = firstRes.map((r) => r.ips[0].address as string);
    expect(new Set(addrs).size).toBe(N);
    // Half go away while as many new ones arrive.
    const second = await Promise.all(Array.from({ length: N / 2 }, newCtr));
    const [, secondRes] = await Promise.all([
      Promise.all(first.slice(0, N / 2).map((c, i) => delChain(n, c, firstRes[i]))),
      Promise.all(second.map((c) => addChain(n, c))),
    ]);
    const live = [...addrs.slice(N / 2), ...secondRes.map((r) => r.ips[0].address as string)];
    expect(new Set(live).size).toBe(live.length);
    expect((await leases(n)).length).toBe(live.length);
    await Promise.all([...first.slice(N / 2).map((c, i) => delChain(n, c, firstRes[N / 2 + i])), ...second.map((c, i) => delChain(n, c, secondRes[i]))]);
    expect(await leases(n)).toEqual([]);
    const ports = (await links()).filter((l) => l.master === n.bridge);
    expect(ports.map((l) => l.ifname)).toEqual([]);
    report('concurrent ADD/DEL processes', `${N + N / 2} ADD + ${N + N / 2} DEL`);
  });
});

describe.skipIf(!haveOurBin('tuning'))('robustness: tuning faults', () => {
  useCleanup({ scope: 'all' });

  it('SIGKILL at a random point of a tuning ADD, then DEL restores the link and removes the saved state', { timeout: 300_000 }, async () => {
    const problems: string[] = [];
    let killed = 0;
    const trials = Math.max(4, SCALE.killTrials >> 1);
    for (let t = 0; t < trials; t++) {
      const e = await makeTuningEnv('ours');
      const before = await tuningSnapshot(e);
      const c = tuningConf(e, { mac: '02:00:00:00:99:01', mtu: 1300, promisc: true, allmulti: true, txQLen: 50 });
      const env = {
        ...baseEnv(),
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: e.cid,
        CNI_NETNS: e.ns.path,
        CNI_IFNAME: e.ifname,
        CNI_PATH: OUR_BIN_DIR,
      };
      const delay = randomInt(0, 251); // start-up alone is 40–100 ms: most kills land in the work
      const child = execa(ourBin('tuning'), [], { env, extendEnv: false, input: JSON.stringify(c), reject: false });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await child;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killed++;
      await waitProcsGone(e.cid); // an orphaned `ip` finishes its batch first
      const del = await callTuning(e, 'DEL', c);
      if (del.code !== 0) problems.push(`trial ${t} (killed after ${delay} ms): DEL ${del.stdout}`);
      const after = await tuningSnapshot(e);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        problems.push(`trial ${t} (killed after ${delay} ms) left: ${JSON.stringify(after)} (was ${JSON.stringify(before)})`);
      }
      await deleteNetns(e.ns);
    }
    report('tuning SIGKILL trials', `${trials} (${killed} actually killed mid-run)`);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!haveOurBin('dnsname'))('robustness: dnsname faults', () => {
  useCleanup({ scope: 'all' });

  it('SIGKILL at a random point of a dnsname ADD, then DEL leaves the other container served, one dnsmasq, nothing else', { timeout: 300_000 }, async () => {
    const net = netName();
    const br = bridgeName();
    trackLink(br);
    stopDnsmasqAtCleanup(net);
    await run('ip', ['link', 'add', br, 'type', 'bridge']);
    await run('ip', ['addr', 'add', '10.174.3.1/24', 'dev', br]);
    await run('ip', ['link', 'set', br, 'up']);
    const conf = (ip: string) => ({
      cniVersion: '1.0.0',
      name: net,
      type: 'dnsname',
      domainName: 'dns.test',
      prevResult: {
        cniVersion: '1.0.0',
        interfaces: [{ name: br }, { name: 'eth0', sandbox: '/var/run/netns/x' }],
        ips: [{ address: `${ip}/24`, interface: 1 }],
      },
    });
    const env = (cmd: string, cid: string) => {
      const e: Record<string, string> = {
        ...baseEnv(),
        CNI_COMMAND: cmd,
        CNI_CONTAINERID: cid,
        CNI_NETNS: '/var/run/netns/none',
        CNI_IFNAME: 'eth0',
        CNI_PATH: OUR_BIN_DIR,
        CNI_ARGS: `K8S_POD_NAME=${cid}`,
      };
      delete e.XDG_RUNTIME_DIR;
      return e;
    };
    const call = (cmd: string, cid: string, ip: string) =>
      execa(ourBin('dnsname'), [], { env: env(cmd, cid), extendEnv: false, input: JSON.stringify(conf(ip)), reject: false });
    const t0 = performance.now();
    const anchor = await call('ADD', 'anchor', '10.174.3.2');
    // Kills spread over a whole ADD as long as this machine takes for one (start-up included).
    const span = Math.ceil(performance.now() - t0);
    expect(anchor.exitCode, String(anchor.stdout)).toBe(0);
    const problems: string[] = [];
    let killed = 0;
    const trials = Math.max(4, SCALE.killTrials >> 1);
    for (let t = 0; t < trials; t++) {
      const cid = `victim${t}`;
      const delay = randomInt(0, span + 1);
      const child = call('ADD', cid, `10.174.3.${10 + t}`);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await child;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killed++;
      await new Promise((res) => setTimeout(res, 200)); // an orphaned flock(1) or ip finishes first
      const del = await call('DEL', cid, `10.174.3.${10 + t}`);
      if (del.exitCode !== 0) problems.push(`trial ${t} (killed after ${delay} ms): DEL ${del.stdout}`);
      const hosts = readFileSync(`${DNSNAME_ROOT}/${net}/addnhosts`, 'utf8');
      const procs = await dnsmasqProcesses((s) => s.includes(`/${net}/dnsmasq.conf`));
      if (hosts !== '10.174.3.2\tanchor\n' || procs.length !== 1) {
        problems.push(`trial ${t} (killed after ${delay} ms): addnhosts ${JSON.stringify(hosts)}, ${procs.length} dnsmasq`);
      }
    }
    const last = await call('DEL', 'anchor', '10.174.3.2');
    expect(last.exitCode, String(last.stdout)).toBe(0);
    expect(existsSync(`${DNSNAME_ROOT}/${net}`)).toBe(false);
    expect(await dnsmasqProcesses((s) => s.includes(`/${net}/dnsmasq.conf`))).toEqual([]);
    report('dnsname SIGKILL trials', `${trials} (${killed} actually killed mid-run)`);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!haveOurBin('ptp') || !haveOurBin('host-local'))('robustness: ptp faults', () => {
  useCleanup({ scope: 'all' });

  it('SIGKILL at a random point of a ptp ADD (in a node stand-in), then DEL without prevResult leaves nothing', { timeout: 300_000 }, async () => {
    // Host veths, host routes, forwarding and masquerade rules all go to the node namespace.
    const node = await createNetns(`pn${randomInt(1000)}`);
    await run('ip', ['-n', node.name, 'link', 'set', 'lo', 'up']);
    const net = netName();
    const dataDir = await makeTempDir('ptpfault');
    const conf = {
      cniVersion: '1.1.0',
      name: net,
      type: 'ptp',
      ipMasq: true,
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.123.40.0/24' }], [{ subnet: 'fd00:123:40::/64' }]] },
    };
    const exec = (command: string, cid: string, netns: string) =>
      execa('ip', ['netns', 'exec', node.name, ourBin('ptp')], {
        env: { ...baseEnv(), CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: OUR_BIN_DIR },
        extendEnv: false,
        input: JSON.stringify(conf),
        reject: false,
      });
    // Warm-up: forwarding, the nat chains, the lease directory exist before the snapshots.
    const w = await createNetns();
    const wid = containerId();
    expect((await exec('ADD', wid, w.path)).exitCode).toBe(0);
    expect((await exec('DEL', wid, w.path)).exitCode).toBe(0);
    await deleteNetns(w);
    // Lease-directory scaffolding and the kernel's link-local routes are not state a DEL must undo.
    const ignore = (sec: string, e: string) =>
      (sec === 'routes' && /fe80:/.test(e)) || (sec === 'files' && (e.endsWith('/lock') || e.includes('/last_reserved_ip.') || e === `${dataDir}/${net}`));
    const snap = () => snapshotHost({ netns: node.name, dirs: [dataDir], sysctls: ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'] });
    const trials = Math.max(6, SCALE.killTrials >> 1);
    const problems: string[] = [];
    let killed = 0;
    for (let t = 0; t < trials; t++) {
      const ns = await createNetns();
      const cid = containerId();
      const delay = randomInt(0, 401); // start-up alone is 40–150 ms on a loaded machine
      const before = await snap();
      const child = exec('ADD', cid, ns.path);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await child;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killed++;
      await waitProcsGone(cid); // an orphaned ip or iptables-restore finishes first
      const del = await exec('DEL', cid, ns.path);
      if (del.exitCode !== 0) problems.push(`trial ${t} (killed after ${delay} ms): DEL failed: ${del.stdout}`);
      const d = diffHostState(before, await snap(), { ignore });
      if (d.length) problems.push(`trial ${t} (killed after ${delay} ms) left: ${d.join('; ').slice(0, 800)}`);
      await deleteNetns(ns);
    }
    report('ptp SIGKILL trials', `${trials} (${killed} actually killed mid-run)`);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!haveOurBin('macvlan'))('robustness: macvlan faults', () => {
  it('SIGKILL at a random point of a macvlan ADD (in a node stand-in), then DEL leaves no link and no lease', { timeout: 300_000 }, async () => {
    const lan = await makeLan(114, 5);
    const nodeLinks = async () => (await ipJson<Array<{ ifname: string }>>(['link', 'show'], lan.node.name)).map((l) => l.ifname).sort();
    const before = await nodeLinks();
    const trials = Math.max(6, SCALE.killTrials / 2);
    const problems: string[] = [];
    let killed = 0;
    for (let t = 0; t < trials; t++) {
      const e = await makeMacvlanEnv('ours', 'macvlan', lan);
      const c = macvlanConf(e, 'v4', {}, '1.0.0');
      const delay = randomInt(0, 301);
      const env = { ...baseEnv(), CNI_COMMAND: 'ADD', CNI_CONTAINERID: e.cid, CNI_NETNS: e.ns.path, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
      const child = execa('ip', ['netns', 'exec', lan.node.name, ourBin('macvlan')], { env, extendEnv: false, input: JSON.stringify(c), reject: false });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await child;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killed++;
      await waitProcsGone(e.cid);
      const del = await callMacvlan(e, 'DEL', c);
      if (del.code !== 0) problems.push(`trial ${t} (killed after ${delay} ms): DEL failed: ${del.stdout}`);
      const left = (await ipJson<Array<{ ifname: string }>>(['link', 'show'], e.ns.name)).map((l) => l.ifname).filter((n) => n !== 'lo');
      if (left.length) problems.push(`trial ${t} (killed after ${delay} ms) left links ${left.join(' ')}`);
      const ls = await macvlanLeases(e);
      if (ls.length) problems.push(`trial ${t} (killed after ${delay} ms) left leases ${ls.join(' ')}`);
      await deleteNetns(e.ns);
    }
    expect(await nodeLinks()).toEqual(before);
    report('macvlan SIGKILL trials', `${trials} (${killed} actually killed mid-run)`);
    expect(problems).toEqual([]);
  });
});
