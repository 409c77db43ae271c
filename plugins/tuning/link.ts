// The container link's attributes tuning changes, read and written with one `ip -batch` process
// inside the container's namespace (tuning.go uses netlink calls there, one per attribute).
import * as z from 'zod/mini';
import { ipBatch, line, LinkSchema } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { commandError, saysNotFound } from '../../shared/host/exec.ts';
import type { Saved } from './state.ts';

const LinkAttrsSchema = z.extend(LinkSchema, { txqlen: z.optional(z.number()) });

export interface LinkAttrs {
  mac: string;
  mtu: number;
  promisc: boolean;
  allmulti: boolean;
  txQLen: number;
}

export async function readLink(netns: string, ifname: string): Promise<LinkAttrs> {
  const r = await ipBatch([line('link', 'show', 'dev', ifname)], { netns, json: true, allowFail: true });
  if (r.exitCode !== 0) {
    if (saysNotFound(r)) throw new CniError(Code.Internal, `failed to get ${JSON.stringify(ifname)}: Link not found`);
    throw commandError(`failed to get ${JSON.stringify(ifname)}`, r);
  }
  const l = LinkAttrsSchema.parse(r.outputs[0]?.[0]);
  return {
    mac: l.address ?? '',
    mtu: l.mtu ?? 0,
    promisc: l.flags.includes('PROMISC'),
    allmulti: l.flags.includes('ALLMULTI'),
    txQLen: l.txqlen ?? 0,
  };
}

export type Attr = 'mac' | 'promisc' | 'mtu' | 'allmulti' | 'txQLen';
/** cmdAdd's order of changes, and restoreBackup's order of restores. */
export const ADD_ORDER: readonly Attr[] = ['mac', 'promisc', 'mtu', 'allmulti', 'txQLen'];
export const RESTORE_ORDER: readonly Attr[] = ['mtu', 'mac', 'promisc', 'allmulti', 'txQLen'];

const onOff = (b: boolean) => (b ? 'on' : 'off');

/** One `ip link set` line per attribute present, in the given order; tokens validated by line(). */
export function linkLines(ifname: string, want: Saved, order: readonly Attr[]): string[] {
  const out: string[] = [];
  for (const a of order) {
    const v = want[a];
    if (v === undefined || v === '') continue;
    switch (a) {
      case 'mac':
        out.push(line('link', 'set', 'dev', ifname, 'address', v as string));
        break;
      case 'promisc':
        out.push(line('link', 'set', 'dev', ifname, 'promisc', onOff(v as boolean)));
        break;
      case 'mtu':
        if (v !== 0) out.push(line('link', 'set', 'dev', ifname, 'mtu', v as number));
        break;
      case 'allmulti':
        out.push(line('link', 'set', 'dev', ifname, 'allmulticast', onOff(v as boolean)));
        break;
      case 'txQLen':
        out.push(line('link', 'set', 'dev', ifname, 'txqueuelen', v as number));
        break;
    }
  }
  return out;
}

export interface ApplyResult {
  ok: boolean;
  /** The device is gone (every line failed for that reason). */
  noDevice: boolean;
  stderr: string;
}

/**
 * Apply lines in one process. `force` keeps going past a failing line (restores: each attribute is
 * restored on its own, as the reference does); without it the first failure stops the batch.
 */
export async function applyLink(netns: string, lines: readonly string[], force: boolean): Promise<ApplyResult> {
  if (lines.length === 0) return { ok: true, noDevice: false, stderr: '' };
  const r = await ipBatch(lines, { netns, force, allowFail: true });
  // ip -batch adds "Command failed -:N" after each error: only the kernel's words are kept.
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('Command failed'))
    .join('; ');
  return { ok: r.exitCode === 0, noDevice: r.exitCode !== 0 && saysNotFound({ stderr }), stderr };
}
