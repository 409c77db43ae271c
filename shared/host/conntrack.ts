// Conntrack flushes with conntrack(8): stale UDP entries would keep steering a host port to a
// previous destination (or none) after its DNAT rules change.
import { run } from './exec.ts';

/**
 * Delete UDP conntrack entries whose original destination port is one of `ports`. One conntrack
 * process per port (its filter takes one port), run in parallel. Best effort: "0 flow entries"
 * exits 1, and a missing conntrack tool must not fail the CNI operation.
 */
export async function flushUdpPorts(family: 4 | 6, ports: readonly number[]): Promise<void> {
  const unique = [...new Set(ports)].filter((p) => Number.isInteger(p) && p > 0 && p <= 65535);
  await Promise.all(
    unique.map((p) =>
      run('conntrack', ['-D', '-f', family === 4 ? 'ipv4' : 'ipv6', '-p', 'udp', '--orig-port-dst', String(p)], { allowFail: true }).catch(() => undefined),
    ),
  );
}
