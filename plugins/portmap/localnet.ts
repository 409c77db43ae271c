// route_localnet=1 on the interface the host routes the container through, so that DNAT of
// 127.0.0.1:hostPort to the container is not dropped as a martian (IPv4 only).
import { commandError, run } from '../../shared/host/exec.ts';
import { ifnameProblem } from '../../shared/cni/validate.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { parseRoutes } from '../../shared/host/iproute2.ts';
import { sysctlPath, writeHost } from '../../shared/host/sysctl.ts';

/** The interface `ip route get` picks for the address (one process). */
export async function routeDev(ip: string): Promise<string> {
  const r = await run('ip', ['-j', 'route', 'get', ip], { allowFail: true });
  if (r.exitCode !== 0) throw commandError(`unable to get route to ${ip}`, r);
  let dev: string | undefined;
  try {
    dev = parseRoutes(JSON.parse(r.stdout) as unknown[])[0]?.dev;
  } catch {
    dev = undefined;
  }
  if (!dev) throw new CniError(Code.Internal, `no route to ${ip}`);
  const p = ifnameProblem(dev);
  if (p) throw new CniError(Code.Internal, `route to ${ip}: ${p}`);
  return dev;
}

/** Written directly from here: no sysctl process. */
export function enableRouteLocalnet(dev: string): void {
  const p = ifnameProblem(dev);
  if (p) throw new CniError(Code.Internal, `route_localnet: ${p}`);
  if (!writeHost(sysctlPath('net', 'ipv4', 'conf', dev, 'route_localnet'), '1')) {
    throw new CniError(Code.Internal, `failed to set net.ipv4.conf.${dev}.route_localnet=1`);
  }
}
