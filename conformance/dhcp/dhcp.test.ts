// dhcp IPAM against a real DHCP server: dnsmasq serves a LAN that is a bridge inside a namespace of
// the test's; containers join it through our bridge plugin run inside that namespace (the bridge's
// host side lives there, never on the real host). The daemon runs on the host, as a runtime's would,
// on a socket in a temp dir, and is stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, linkSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  containerId,
  createNetns,
  haveOurBin,
  ipJson,
  makeTempDir,
  netName,
  nsExec,
  onCleanup,
  ourBin,
  REF_BIN_DIR,
  runPlugin,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

const started: ChildProcess[] = [];
onCleanup(() => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
});

/** A process of the test's, its stderr kept in `log` (shown when a wait for it times out). */
function start(file: string, args: string[], log: string, netns?: string): ChildProcess {
  const [f, a] = netns ? ['nsenter', [`--net=/var/run/netns/${netns}`, '--', file, ...args]] : [file, args];
  const p = spawn(f, a, { stdio: ['ignore', 'ignore', openSync(log, 'a')] });
  started.push(p);
  return p;
}
const stop = async (p: ChildProcess, sig: NodeJS.Signals = 'SIGTERM') => {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill(sig);
  await done;
};
async function until(what: string, ok: () => boolean, ms = 5000, log?: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${log && existsSync(log) ? `: ${readFileSync(log, 'utf8')}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Lan {
  ns: Netns;
  bridge: string;
  dir: string;
  log: string;
  leases: string;
}

/** A LAN: a bridge 10.180.N.1/24 in its own namespace, dnsmasq serving .50–.99 on it. */
async function makeLan(n: number, extra: string[] = []): Promise<Lan> {
  const ns = await createNetns(`lan${n}`);
  const bridge = bridgeName();
  const dir = await makeTempDir('dhcp');
  const log = join(dir, 'dnsmasq.log');
  const leases = join(dir, 'leases');
  await nsExec(ns.name, 'ip', ['link', 'add', bridge, 'type', 'bridge']);
  await nsExec(ns.name, 'ip', ['addr', 'add', `10.180.${n}.1/24`, 'dev', bridge]);
  await nsExec(ns.name, 'ip', ['link', 'set', bridge, 'up']);
  start(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--port=0',
      `--interface=${bridge}`,
      '--bind-interfaces',
      '--no-ping',
      `--dhcp-range=10.180.${n}.50,10.180.${n}.99,255.255.255.0,2m`,
      `--dhcp-option=option:router,10.180.${n}.1`,
      `--dhcp-leasefile=${leases}`,
      `--log-facility=${log}`,
      '--log-dhcp',
      '--conf-file=/dev/null',
      `--pid-file=${join(dir, 'pid')}`,
      ...extra,
    ],
    join(dir, 'dnsmasq.err'),
    ns.name,
  );
  await until('dnsmasq', () => existsSync(join(dir, 'pid')));
  return { ns, bridge, dir, log, leases };
}

const leaseIps = (lan: Lan) =>
  existsSync(lan.leases)
    ? readFileSync(lan.leases, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[2])
    : [];
const logCount = (lan: Lan, what: string) =>
  existsSync(lan.log)
    ? readFileSync(lan.log, 'utf8')
        .split('\n')
        .filter((l) => l.includes(what)).length
    : 0;

const answers = (sock: string) =>
  new Promise<boolean>((resolve) => {
    const c = connect(sock);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

async function daemon(dir: string, bin = ourBin('dhcp'), extra: string[] = []): Promise<{ proc: ChildProcess; sock: string }> {
  const sock = join(dir, 'dhcp.sock');
  // 1.1.1's daemon has neither -statedir (ours) nor -resendtimeout.
  const ours = bin === ourBin('dhcp') ? ['-statedir', join(dir, 'state'), '-resendtimeout', '15s'] : [];
  const log = join(dir, `${ours.length ? 'ours' : 'go'}-daemon.log`);
  const proc = start(bin, ['daemon', '-socketpath', sock, ...ours, ...extra], log);
  // A socket file may be a dead daemon's: wait until this one answers.
  const end = Date.now() + 10_000;
  while (!(await answers(sock))) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`the daemon did not start: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, sock };
}

const conf = (lan: Lan, sock: string, extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.0.0',
  name: netName(),
  type: 'bridge',
  bridge: lan.bridge,
  ipam: { type: 'dhcp', daemonSocketPath: sock, ...extra },
});

/** bridge (ours or the reference's) inside the LAN namespace, with dhcp IPAM from the same directory. */
const bridgeCall = (lan: Lan, command: string, c: { ns: Netns; cid: string }, stdin: object, binDir?: string) =>
  runPlugin(
    binDir ? join(binDir, 'bridge') : ourBin('bridge'),
    { command, containerId: c.cid, netns: c.ns.path, ifname: 'eth0', inNetns: lan.ns.name, ...(binDir ? { path: binDir } : {}) },
    stdin,
  );
const dhcpCall = (command: string, c: { ns: Netns; cid: string }, stdin: object) =>
  runPlugin(ourBin('dhcp'), { command, containerId: c.cid, netns: c.ns.path, ifname: 'eth0' }, stdin);
const container = async () => ({ ns: await createNetns(), cid: containerId() });

describe.skipIf(!haveOurBin('dhcp') || !haveOurBin('bridge') || !existsSync('/usr/sbin/dnsmasq'))('dhcp IPAM with a real DHCP server (dnsmasq)', () => {
  it('bridge + dhcp: the container gets a lease, CHECK confirms it without a new exchange, DEL releases it', async () => {
    const lan = await makeLan(1);
    const d = await daemon(lan.dir);
    const c = await container();
    const cf = conf(lan, d.sock);
    const add = await bridgeCall(lan, 'ADD', c, cf);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const ip = add.json.ips[0].address as string;
    expect(ip).toMatch(/^10\.180\.1\.(5\d|[6-9]\d)\/24$/);
    expect(add.json.ips[0].gateway).toBe('10.180.1.1');
    expect(add.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.180.1.1' }]);
    const addrs = (await ipJson<any[]>(['addr', 'show', 'eth0'], c.ns.name))[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`);
    expect(addrs).toContain(ip);
    expect(leaseIps(lan)).toEqual([ip.split('/')[0]]);
    const discovers = logCount(lan, 'DHCPDISCOVER');
    const chk = await dhcpCall('CHECK', c, { ...cf, prevResult: add.json });
    expect(chk.code, chk.stdout).toBe(0);
    expect(logCount(lan, 'DHCPDISCOVER')).toBe(discovers);
    const del = await bridgeCall(lan, 'DEL', c, cf);
    expect(del.code, del.stdout).toBe(0);
    await until('DHCPRELEASE', () => logCount(lan, `DHCPRELEASE(${lan.bridge}) ${ip.split('/')[0]}`) === 1);
    expect(leaseIps(lan)).toEqual([]);
    expect(readdirSync(join(lan.dir, 'state'))).toEqual([]);
    await stop(d.proc);
    expect(existsSync(d.sock)).toBe(false);
  });

  it("the daemon renews at the server's T1 from the leased address, and the lease stays the same", { timeout: 120_000 }, async () => {
    // A 2-minute lease (dnsmasq's shortest) with T1 (option 58) at 10 s: the daemon renews when the server says.
    const lan = await makeLan(5, ['--dhcp-option=option:T1,10']);
    const d = await daemon(lan.dir);
    const c = await container();
    const cf = conf(lan, d.sock, { provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }], request: [{ option: '58' }, { option: '59' }] });
    const add = await runPlugin(
      ourBin('bridge'),
      { command: 'ADD', containerId: c.cid, netns: c.ns.path, ifname: 'eth0', inNetns: lan.ns.name, args: 'IgnoreUnknown=1;K8S_POD_NAME=web-1' },
      cf,
    );
    expect(add.code, add.stdout).toBe(0);
    const ip = (add.json.ips[0].address as string).split('/')[0]!;
    await until('a renewal', () => logCount(lan, `DHCPACK(${lan.bridge}) ${ip}`) >= 2, 80_000, join(lan.dir, 'ours-daemon.log'));
    // The renewal is a unicast REQUEST from the leased address (ciaddr), and the host-name came along.
    expect(readFileSync(lan.leases, 'utf8')).toContain(`${ip} web-1`);
    expect(leaseIps(lan)).toEqual([ip]);
    expect((await bridgeCall(lan, 'DEL', c, cf)).code).toBe(0);
    await stop(d.proc);
  });

  it('the reference (bridge + Go dhcp daemon) never releases: its bridge deletes the link before IPAM DEL', async () => {
    const lan = await makeLan(2);
    const d = await daemon(lan.dir, join(REF_BIN_DIR, 'dhcp'));
    const c = await container();
    const cf = conf(lan, d.sock);
    const add = await bridgeCall(lan, 'ADD', c, cf, REF_BIN_DIR);
    expect(add.code, add.stdout).toBe(0);
    const ip = (add.json.ips[0].address as string).split('/')[0];
    await bridgeCall(lan, 'DEL', c, cf, REF_BIN_DIR);
    await new Promise((r) => setTimeout(r, 500));
    expect(logCount(lan, 'DHCPRELEASE')).toBe(0);
    expect(leaseIps(lan)).toEqual([ip]);
    await stop(d.proc);
  });

  it('leases survive a daemon restart, also after SIGKILL left the socket file behind', async () => {
    const lan = await makeLan(3);
    let d = await daemon(lan.dir);
    const c = await container();
    const cf = conf(lan, d.sock);
    const add = await bridgeCall(lan, 'ADD', c, cf);
    expect(add.code, add.stdout).toBe(0);
    await stop(d.proc, 'SIGKILL');
    expect(existsSync(d.sock)).toBe(true); // the dead daemon's socket file
    d = await daemon(lan.dir);
    const chk = await dhcpCall('CHECK', c, { ...cf, prevResult: add.json });
    expect(chk.code, chk.stdout).toBe(0);
    // A second daemon on a socket that answers is refused.
    const second = start(ourBin('dhcp'), ['daemon', '-socketpath', d.sock, '-statedir', join(lan.dir, 'state2')], join(lan.dir, 'second.log'));
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(1);
    // ADD again returns the same lease (no second one).
    const again = await dhcpCall('ADD', c, cf);
    expect(again.json.ips[0].address).toBe(add.json.ips[0].address);
    expect(leaseIps(lan)).toHaveLength(1);
    expect((await bridgeCall(lan, 'DEL', c, cf)).code).toBe(0);
    await stop(d.proc);
  });

  it('DEL after the link is gone (#791), GC of attachments no longer valid, STATUS', async () => {
    const lan = await makeLan(4);
    const d = await daemon(lan.dir);
    const a = await container();
    const b = await container();
    const cf = conf(lan, d.sock);
    for (const c of [a, b]) expect((await bridgeCall(lan, 'ADD', c, cf)).code).toBe(0);
    expect(leaseIps(lan)).toHaveLength(2);
    expect((await dhcpCall('STATUS', a, { ...cf, cniVersion: '1.1.0' })).code).toBe(0);
    // GC keeps a, releases b.
    const gc = await runPlugin(
      ourBin('dhcp'),
      { command: 'GC' },
      { ...cf, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: a.cid, ifname: 'eth0' }] },
    );
    expect(gc.code, gc.stdout).toBe(0);
    await until('the GC release', () => leaseIps(lan).length === 1);
    // a's link goes first (the main plugin deleted it): DEL still succeeds and forgets the lease.
    await nsExec(a.ns.name, 'ip', ['link', 'del', 'eth0']);
    const del = await dhcpCall('DEL', a, cf);
    expect(del.code, del.stdout).toBe(0);
    expect(readdirSync(join(lan.dir, 'state'))).toEqual([]);
    expect((await dhcpCall('DEL', a, cf)).code).toBe(0);
    await stop(d.proc);
  });

  it('systemd socket activation: the daemon serves the listening socket it is given as fd 3 (LISTEN_FDS=1)', async () => {
    const dir = await makeTempDir('dhcp');
    const bound = join(dir, 'bound.sock');
    const sock = join(dir, 'activated.sock');
    // What systemd does for cni-dhcp.socket: bind and listen, then hand the socket over. Closing our
    // copy removes the path it was bound to, so the socket is reached through a second link.
    const server = createServer();
    await new Promise<void>((r) => server.listen(bound, r));
    linkSync(bound, sock);
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const log = join(dir, 'activated.log');
    const proc = spawn(ourBin('dhcp'), ['daemon', '-statedir', join(dir, 'state')], {
      stdio: ['ignore', 'ignore', openSync(log, 'a'), fd],
      env: { ...process.env, LISTEN_FDS: '1' },
    });
    started.push(proc);
    server.close();
    try {
      await until(
        'the activated daemon',
        () => existsSync(log) && readFileSync(log, 'utf8').includes('listening on the socket passed by systemd'),
        10_000,
        log,
      );
      const c = await container();
      const st = await dhcpCall('STATUS', c, { cniVersion: '1.1.0', name: netName(), type: 'bridge', ipam: { type: 'dhcp', daemonSocketPath: sock } });
      expect(st.code, st.stdout).toBe(0);
    } finally {
      await stop(proc);
    }
  });

  it('a stopped daemon and a socket in another protocol (the Go daemon) are clear errors naming the socket', async () => {
    const dir = await makeTempDir('dhcp');
    const c = await container();
    const sock = join(dir, 'none.sock');
    const cf = { cniVersion: '1.1.0', name: netName(), type: 'bridge', ipam: { type: 'dhcp', daemonSocketPath: sock } };
    const add = await dhcpCall('ADD', c, cf);
    expect(add.code).toBe(1);
    expect(add.json.msg).toContain(`"${sock}"`);
    expect(add.json.msg).toMatch(/not running/);
    const st = await dhcpCall('STATUS', c, cf); // cniVersion 1.1.0
    expect(st.json.code).toBe(50);
    expect((await dhcpCall('DEL', c, cf)).code).toBe(0);
    const go = await daemon(dir, join(REF_BIN_DIR, 'dhcp'));
    const wrong = await dhcpCall('ADD', c, { ...cf, ipam: { type: 'dhcp', daemonSocketPath: go.sock } });
    expect(wrong.code).toBe(1);
    expect(wrong.json.msg).toMatch(/answers in another protocol/);
    expect(wrong.json.msg).toContain(go.sock);
    await stop(go.proc);
    rmSync(go.sock, { force: true });
  });

  it('bad input is refused naming the field', async () => {
    const c = await container();
    for (const [ipam, field] of [
      [{ type: 'dhcp', daemonSocketPath: 'relative.sock' }, 'ipam.daemonSocketPath'],
      [{ type: 'dhcp', provide: [{ option: 'no-such-option', value: 'x' }] }, 'ipam.provide[0].option'],
      [{ type: 'dhcp', request: [{ option: '300' }] }, 'ipam.request[0].option'],
      [{ type: 'dhcp', priority: 'high' }, 'ipam.priority'],
    ] as const) {
      const r = await dhcpCall('ADD', c, { cniVersion: '1.0.0', name: netName(), type: 'bridge', ipam });
      expect(r.code, JSON.stringify(ipam)).toBe(1);
      expect(r.json.msg).toContain(field);
    }
  });
});
