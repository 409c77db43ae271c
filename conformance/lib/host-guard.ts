// The test run's guard of the real host: its links, their state and its addresses are recorded
// before the run and compared after it, so a test that touches the host (its lo, its eth0) fails
// the whole run loudly instead of leaving a broken machine behind.
import { execFileSync } from 'node:child_process';

export interface HostLinks {
  [ifname: string]: { flags: string; operstate: string; addrs: string[] };
}

// Objects of test runs (ours or a parallel one) carry a run prefix; bridges' veths are named veth*.
const TEST_OBJECT = /^(c[g-z][0-9a-z]{4}|veth)/;

export function captureHostLinks(): HostLinks {
  const list = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8' })) as Array<{
    ifname: string;
    flags?: string[];
    operstate?: string;
    addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
  }>;
  const out: HostLinks = {};
  for (const l of list) {
    if (TEST_OBJECT.test(l.ifname)) continue;
    out[l.ifname] = {
      flags: (l.flags ?? []).filter((f) => f === 'UP').join(','),
      operstate: l.operstate ?? '',
      // Link-local addresses follow carrier asynchronously: never test state.
      addrs: (l.addr_info ?? [])
        .filter((a) => a.scope !== 'link')
        .map((a) => `${a.local}/${a.prefixlen}`)
        .sort(),
    };
  }
  return out;
}

/** What differs on the host's own links (those there before the run); [] when untouched. */
export function diffHostLinks(before: HostLinks, after: HostLinks): string[] {
  const out: string[] = [];
  for (const [name, b] of Object.entries(before)) {
    const a = after[name];
    if (!a) out.push(`link ${name} is gone`);
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`link ${name}: ${JSON.stringify(b)} => ${JSON.stringify(a)}`);
  }
  return out;
}
