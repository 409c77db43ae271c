// What each attachment's ADD put in place, one small file per attachment under
// /var/lib/cni/firewall/<network>/<containerID>:<ifname>. The reference keeps nothing: its rules
// carry no container identity, so a DEL without prevResult (or a GC) could not know them. The file
// is written before any rule and removed after the rules, so a DEL after a crashed ADD finds it.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { FirewallBackend, HostAddr } from './config.ts';

export const STATE_DIR = '/var/lib/cni/firewall';

const StateSchema = z.object({
  containerID: z.string(),
  ifname: z.string(),
  backend: z.enum(['iptables', 'firewalld']),
  zone: z.optional(z.string()),
  addrs: z.array(z.object({ family: z.union([z.literal(4), z.literal(6)]), cidr: z.string() })),
  /** The bridge whose isolation rules the attachment relies on (same-bridge). */
  bridge: z.optional(z.string()),
  /** The network namespace the rules live in (device:inode of the plugin's own). */
  netns: z.optional(z.string()),
});
export type AttachmentState = z.infer<typeof StateSchema>;

// Container IDs and network names match the spec's ID pattern and interface names cannot hold
// ':' or '/': the file name is unambiguous and never leaves the directory.
const fileName = (cid: string, ifname: string) => `${cid}:${ifname}`;
const netDir = (net: string) => join(STATE_DIR, net);

/** The namespace this process runs in: rules of another one (a nested host) are not ours to judge. */
function ownNetns(): string {
  try {
    const st = statSync('/proc/self/ns/net');
    return `${st.dev}:${st.ino}`;
  } catch {
    return '';
  }
}

const TMP = /^\.tmp-(\d+)-/;

/** Temp files of writers that died before their rename (a killed ADD). */
function sweepTemp(dir: string): void {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of files) {
    const pid = Number(TMP.exec(f)?.[1] ?? 0);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
        try {
          unlinkSync(join(dir, f));
        } catch {
          /* removed meanwhile */
        }
      }
    }
  }
}

export function writeState(net: string, state: Omit<AttachmentState, 'netns'>): void {
  const s: AttachmentState = { ...state, netns: ownNetns() };
  const dir = netDir(net);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    sweepTemp(dir);
    const tmp = join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    renameSync(tmp, join(dir, fileName(s.containerID, s.ifname)));
  } catch (e) {
    throw new CniError(Code.IoFailure, `failed to record the firewall state of ${s.containerID}: ${(e as Error).message}`);
  }
}

/** A record's content, or undefined when it is not one of ours. */
export function parse(text: string): AttachmentState | undefined {
  try {
    const r = StateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function readState(net: string, cid: string, ifname: string): AttachmentState | undefined {
  try {
    return parse(readFileSync(join(netDir(net), fileName(cid, ifname)), 'utf8'));
  } catch {
    return undefined;
  }
}

export function removeState(net: string, cid: string, ifname: string): void {
  try {
    unlinkSync(join(netDir(net), fileName(cid, ifname)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new CniError(Code.IoFailure, `failed to remove the firewall state of ${cid}: ${(e as Error).message}`);
  }
  sweepTemp(netDir(net));
  tryRmdir(netDir(net));
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir); // only when empty: the last attachment of the network
  } catch {
    /* not empty, or gone */
  }
}

/** Every attachment recorded in this namespace, of one network (or of all), with the network's name. */
export function listStates(net?: string): Array<{ net: string; state: AttachmentState }> {
  const here = ownNetns();
  let nets: string[];
  try {
    nets = net !== undefined ? [net] : readdirSync(STATE_DIR);
  } catch {
    return [];
  }
  const out: Array<{ net: string; state: AttachmentState }> = [];
  for (const n of nets) {
    let files: string[];
    try {
      files = readdirSync(netDir(n));
    } catch {
      continue;
    }
    for (const f of files) {
      if (f.startsWith('.')) continue;
      try {
        const s = parse(readFileSync(join(netDir(n), f), 'utf8'));
        if (s && (s.netns === undefined || s.netns === here)) out.push({ net: n, state: s });
      } catch {
        /* removed meanwhile */
      }
    }
  }
  return out;
}

/** Addresses other attachments (anywhere) still have: their rules are the same rules. */
export function claimedElsewhere(net: string, cid: string, ifname: string, backend: FirewallBackend): Set<string> {
  const keep = new Set<string>();
  for (const { net: n, state } of listStates()) {
    if (n === net && state.containerID === cid && state.ifname === ifname) continue;
    if (state.backend !== backend) continue;
    for (const a of state.addrs) keep.add(a.cidr);
  }
  return keep;
}

export type { HostAddr };
