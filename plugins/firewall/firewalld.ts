// The firewalld backend (containernetworking/plugins `plugins/meta/firewall/firewalld.go`): each
// container address becomes a source of a zone, through firewalld's D-Bus API on the system bus.
// D-Bus is spoken by busctl (systemd), one call per process, arguments as argv: never a shell.
import { existsSync } from 'node:fs';
import { run } from '../../shared/host/exec.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { HostAddr } from './config.ts';

const FIREWALLD = 'org.fedoraproject.FirewallD1';
const FIREWALLD_PATH = '/org/fedoraproject/FirewallD1';
const ZONE_IFACE = `${FIREWALLD}.zone`;
const TIMEOUT = '10';

/** The system bus's unix socket path, when the address names one (libdbus's default otherwise). */
function systemBusPath(): string | undefined {
  const addr = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/var/run/dbus/system_bus_socket';
  const m = /^unix:path=([^,;]+)/.exec(addr);
  return m ? m[1] : undefined;
}

async function busctl(args: readonly string[]) {
  try {
    return await run('busctl', ['--system', `--timeout=${TIMEOUT}`, '--json=short', ...args], { allowFail: true });
  } catch (e) {
    throw new CniError(Code.Internal, `firewalld backend needs busctl to talk to D-Bus: ${(e as Error).message}`);
  }
}

const callZone = (method: string, zone: string, cidr: string) => busctl(['call', FIREWALLD, FIREWALLD_PATH, ZONE_IFACE, method, 'ss', zone, cidr]);

/** Whether firewalld owns its name on the system bus (the reference's isFirewalldRunning). */
export async function firewalldRunning(): Promise<boolean> {
  // No bus socket: nothing can answer, and no process is started for it.
  const sock = systemBusPath();
  if (sock !== undefined && !existsSync(sock)) return false;
  try {
    const r = await busctl(['call', 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetNameOwner', 's', FIREWALLD]);
    return r.exitCode === 0;
  } catch {
    return false;
  }
}

const reason = (r: { stderr: string; exitCode: number }) => r.stderr.trim().replace(/^Call failed: /, '') || `busctl exit status ${r.exitCode}`;

/**
 * addSource for each address; an address already in the zone is fine (ZONE_ALREADY_SET). Reports
 * each address it bound, so that a failure can take back exactly those.
 */
export async function fwdAdd(zone: string, addrs: readonly HostAddr[], onBound: (a: HostAddr) => void): Promise<void> {
  for (const a of addrs) {
    const r = await callZone('addSource', zone, a.cidr);
    if (r.exitCode === 0) onBound(a);
    else if (!r.stderr.includes('ZONE_ALREADY_SET')) {
      throw new CniError(Code.Internal, `failed to add the address ${a.cidr} to ${zone} zone: ${reason(r)}`);
    }
  }
}

/** removeSource for each address; failures are ignored, as the reference ignores them. */
export async function fwdDel(zone: string, addrs: readonly HostAddr[]): Promise<void> {
  await Promise.all(addrs.map((a) => callZone('removeSource', zone, a.cidr)));
}

/** querySource must answer true for each address (the reference only checks that the call works). */
export async function fwdCheck(zone: string, addrs: readonly HostAddr[]): Promise<void> {
  for (const a of addrs) {
    const r = await callZone('querySource', zone, a.cidr);
    let bound = false;
    try {
      bound = r.exitCode === 0 && (JSON.parse(r.stdout) as { data?: unknown[] }).data?.[0] === true;
    } catch {
      bound = false;
    }
    if (!bound) throw new CniError(Code.Internal, `failed to find the address ${a.cidr} in ${zone} zone`);
  }
}
