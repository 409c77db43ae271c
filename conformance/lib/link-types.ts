// Which link types this kernel can make, found in a throwaway network namespace (`unshare -n`,
// gone when the command exits), never on the host: tests of vlan, dummy, ipvlan … skip with the
// kernel's own words where the type is missing, and run unchanged where it is there.
import { run } from './exec.ts';

/** `ip -batch` lines that make a link of the kind, with a parent where it needs one. */
const PROBES: Record<string, string[]> = {
  vlan: ['link add p0 type veth peer name p1', 'link add link p0 name p0.5 type vlan id 5'],
  dummy: ['link add d0 type dummy'],
  ipvlan: ['link add p0 type veth peer name p1', 'link add link p0 name iv0 type ipvlan mode l2'],
  macvlan: ['link add p0 type veth peer name p1', 'link add link p0 name mv0 type macvlan mode bridge'],
  vrf: ['link add vrf0 type vrf table 10'],
};

/** Why this kernel cannot make a `kind` link (undefined: it can). Call once per file, at its top. */
export async function linkTypeMissing(kind: keyof typeof PROBES): Promise<string | undefined> {
  const r = await run('unshare', ['-n', 'ip', '-batch', '-'], { input: `${PROBES[kind]!.join('\n')}\n` });
  if (r.code === 0) return undefined;
  return `this kernel cannot make ${kind} links: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`;
}
