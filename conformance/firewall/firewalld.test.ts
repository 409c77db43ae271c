// The firewalld backend. A real firewalld cannot run here without taking over the host's firewall
// (it is not installed, and starting it rewrites the whole ruleset), so the D-Bus conversation is
// checked against a stand-in firewalld (fake-firewalld.py: firewalld's zone API and error names)
// on a private bus, for ours and the reference alike; iptables work goes to a host stand-in.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { containerId, createNetns, makeTempDir, netName, onCleanup, run, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { FIREWALL, filterRules, inHost, makeHost, trackState, type Host, type Impl } from './sandbox.ts';

useCleanup({ scope: 'each' });

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fake-firewalld.py');
const haveFakeDeps =
  (await run('/usr/bin/python3', ['-c', 'import dbus, dbus.service, dbus.mainloop.glib; from gi.repository import GLib'])).code === 0 &&
  existsSync('/usr/bin/dbus-daemon') &&
  existsSync('/usr/bin/busctl');

interface Bus {
  address: string;
  calls: string[];
  stopFirewalld(): Promise<void>;
}

/** A private system bus and, unless told otherwise, the stand-in firewalld on it. */
async function privateBus(withFirewalld = true): Promise<Bus> {
  const dir = await makeTempDir('dbus');
  const sock = join(dir, 'system_bus_socket');
  const conf = join(dir, 'bus.conf');
  await writeFile(
    conf,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=${sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow send_type="method_call"/><allow receive_sender="*"/><allow receive_type="method_return"/><allow receive_type="error"/><allow receive_type="signal"/></policy></busconfig>\n`,
  );
  const daemon = execa('dbus-daemon', ['--nofork', `--config-file=${conf}`], { reject: false, stdio: 'ignore' });
  onCleanup(() => {
    daemon.kill('SIGKILL');
    return daemon.catch(() => undefined);
  });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  const address = `unix:path=${sock}`;
  const calls: string[] = [];
  let fw: ReturnType<typeof execa> | undefined;
  if (withFirewalld) {
    fw = execa('/usr/bin/python3', [FAKE, address], { reject: false, buffer: false, stdin: 'ignore', stderr: 'inherit' });
    const proc = fw;
    onCleanup(() => {
      proc.kill('SIGKILL');
      return proc.catch(() => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('stand-in firewalld did not start')), 10_000);
      proc.stdout!.on('data', (b: Buffer) => {
        for (const l of String(b).split('\n').filter(Boolean)) {
          if (l === 'ready') {
            clearTimeout(t);
            resolve();
          } else calls.push(l);
        }
      });
    });
  }
  return {
    address,
    calls,
    async stopFirewalld() {
      fw?.kill('SIGKILL');
      await fw?.catch(() => undefined);
    },
  };
}

/** A call of the zone interface on the stand-in firewalld. */
function zoneCall(bus: Bus, method: string, signature: string, ...args: string[]) {
  return run('busctl', [
    `--address=${bus.address}`,
    '--json=short',
    'call',
    'org.fedoraproject.FirewallD1',
    '/org/fedoraproject/FirewallD1',
    'org.fedoraproject.FirewallD1.zone',
    method,
    signature,
    ...args,
  ]);
}

async function sources(bus: Bus, zone = 'trusted'): Promise<string[]> {
  const r = await zoneCall(bus, 'getSources', 's', zone);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { data: string[][] }).data[0]!;
}

interface Att {
  cid: string;
  ns: Netns;
}
const prevOf = (a: Att, n: number) => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: `cgbr${n}` }, { name: `veth${n}` }, { name: 'eth0', sandbox: a.ns.path }],
  ips: [
    { interface: 2, address: `10.201.${n}.2/24`, gateway: `10.201.${n}.1` },
    { interface: 2, address: `fd01:201:${n}::2/64` },
  ],
  dns: {},
});
const conf = (net: string, extra: Record<string, unknown> = {}, prev?: object) => ({
  cniVersion: '1.0.0',
  name: net,
  type: 'firewall',
  ...extra,
  ...(prev ? { prevResult: prev } : {}),
});
const fw = (impl: Impl, host: Host, bus: Bus, command: string, a: Att, c: object) =>
  inHost(host, FIREWALL[impl], { command, containerId: a.cid, netns: a.ns.path, ifname: 'eth0', extraEnv: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } }, c);
const att = async (): Promise<Att> => ({ cid: containerId(), ns: await createNetns() });

describe.skipIf(!haveFakeDeps)('firewall firewalld backend (stand-in firewalld on a private D-Bus)', () => {
  it('the same D-Bus calls, results and zone sources as the reference; each DELs what the other ADDed', async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const a = await att();
    const c = conf(net, { backend: 'firewalld', firewalldZone: 'cnits' }, prevOf(a, 1));
    const seen: Record<Impl, { calls: string[]; result: unknown; sources: string[] }> = {} as never;
    for (const impl of ['ours', 'ref'] as const) {
      const bus = await privateBus();
      const r = await fw(impl, host, bus, 'ADD', a, c);
      expect(r.code, r.stdout).toBe(0);
      const chk = await fw(impl, host, bus, 'CHECK', a, c);
      expect(chk.code, chk.stdout).toBe(0);
      seen[impl] = { calls: [...bus.calls], result: r.json, sources: await sources(bus, 'cnits') };
      // DEL by the other implementation.
      const other = impl === 'ours' ? 'ref' : 'ours';
      const del = await fw(other, host, bus, 'DEL', a, c);
      expect(del.code, del.stdout).toBe(0);
      expect(await sources(bus, 'cnits')).toEqual([]);
      expect((await fw('ours', host, bus, 'DEL', a, conf(net, { backend: 'firewalld', firewalldZone: 'cnits' }))).code).toBe(0);
    }
    expect(seen.ours).toEqual(seen.ref);
    expect(seen.ours.sources).toEqual(['10.201.1.2/32', 'fd01:201:1::2/128']);
    expect(seen.ours.calls).toEqual([
      'addSource cnits 10.201.1.2/32',
      'addSource cnits fd01:201:1::2/128',
      'querySource cnits 10.201.1.2/32',
      'querySource cnits fd01:201:1::2/128',
    ]);
    // No iptables rules for the addresses: the zone holds them.
    expect((await filterRules(host)).some((l) => l.includes('10.201.'))).toBe(false);
  });

  it('auto-detection: firewalld when it owns its name on the system bus, else iptables', async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const [a, b] = [await att(), await att()];
    const bus = await privateBus();
    expect((await fw('ours', host, bus, 'ADD', a, conf(net, {}, prevOf(a, 1)))).code).toBe(0);
    expect(await sources(bus)).toEqual(['10.201.1.2/32', 'fd01:201:1::2/128']);
    await bus.stopFirewalld();
    expect((await fw('ours', host, bus, 'ADD', b, conf(net, {}, prevOf(b, 2)))).code).toBe(0);
    expect((await filterRules(host)).filter((l) => l.includes('10.201.2.2/32'))).toHaveLength(2);
    const refHost = await makeHost();
    expect((await fw('ref', refHost, bus, 'ADD', b, conf(net, {}, prevOf(b, 2)))).code).toBe(0);
    expect(await filterRules(refHost)).toEqual(await filterRules(host).then((l) => l.filter((x) => !x.includes('10.201.1.'))));
    const st = await inHost(
      host,
      FIREWALL.ours,
      { command: 'STATUS', extraEnv: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } },
      { ...conf(net, { backend: 'firewalld' }), cniVersion: '1.1.0' },
    );
    expect(st.json).toMatchObject({ code: 50, msg: 'firewalld backend requested but firewalld does not answer on the system bus' });
    for (const [x, h] of [
      [b, host],
      [b, refHost],
    ] as const)
      expect((await fw('ours', h, bus, 'DEL', x, conf(net, { backend: 'iptables' }, prevOf(x, 2)))).code).toBe(0);
  });

  it('CHECK fails when a source was removed out of band (the reference passes); DEL without prevResult removes them; same-bridge isolates in iptables', async () => {
    const host = await makeHost();
    const net = netName();
    trackState(net);
    const a = await att();
    const bus = await privateBus();
    const c = conf(net, { backend: 'firewalld', ingressPolicy: 'same-bridge' }, prevOf(a, 1));
    expect((await fw('ours', host, bus, 'ADD', a, c)).code).toBe(0);
    expect((await filterRules(host)).filter((l) => l.includes('-o cgbr1'))).toHaveLength(2);
    expect((await filterRules(host, true)).filter((l) => l.includes('-o cgbr1'))).toHaveLength(2);
    await zoneCall(bus, 'removeSource', 'ss', 'trusted', 'fd01:201:1::2/128');
    const [ours, ref] = [await fw('ours', host, bus, 'CHECK', a, c), await fw('ref', host, bus, 'CHECK', a, c)];
    expect(ours.json).toMatchObject({ code: 999, msg: 'failed to find the address fd01:201:1::2/128 in trusted zone' });
    expect(ref.code).toBe(0);
    expect((await fw('ours', host, bus, 'DEL', a, conf(net))).code).toBe(0);
    expect(await sources(bus)).toEqual([]);
    // A zone that refuses the source: the error is passed on, nothing is left.
    await zoneCall(bus, 'addSource', 'ss', 'public', 'fd01:201:1::2/128');
    const bad = await fw('ours', host, bus, 'ADD', a, conf(net, { backend: 'firewalld' }, prevOf(a, 1)));
    expect(bad.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^failed to add the address fd01:201:1::2\/128 to trusted zone: .*ZONE_CONFLICT/) });
    expect(await sources(bus)).toEqual([]);
    expect(existsSync(`/var/lib/cni/firewall/${net}`)).toBe(false);
  });
});

describe('firewall with a real firewalld', () => {
  it('is not run here', (ctx) => {
    const why = existsSync('/usr/sbin/firewalld')
      ? "firewalld is installed, but starting it would replace the host's whole ruleset; not started by tests"
      : "firewalld is not installed, and installing or starting it would take over the host's firewall; the backend is checked against a stand-in firewalld on a private D-Bus instead";
    console.log(`skipped: real firewalld: ${why}`);
    ctx.skip(why);
  });
});
