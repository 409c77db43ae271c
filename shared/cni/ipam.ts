// Delegation to the IPAM plugin named by ipam.type (spec "Section 4: Plugin Delegation"), through delegate.ts:
// same environment and stdin as the calling plugin.
import { CniError, Code } from './errors.ts';
import type { Result } from './result.ts';
import type { Ctx } from './skel.ts';
import type { Verb } from './env.ts';
import type { UndoStack } from './undo.ts';
import { delegatePlugin, findPlugin, type DelegateRole } from './delegate.ts';

const IPAM: DelegateRole = { field: 'ipam.type', what: 'IPAM' };

export const findInPath = (type: string, dirs: readonly string[]): string => findPlugin(type, dirs, IPAM);

/** Run the IPAM plugin for `verb` with the caller's stdin; ADD returns its parsed result. */
export const delegate = (ctx: Ctx, type: string, verb: Exclude<Verb, 'VERSION'>): Promise<Result | undefined> => delegatePlugin(ctx, type, verb, IPAM);

/** STATUS of a plugin whose readiness is its IPAM's: the IPAM plugin is there and reports ready itself ('' = no IPAM: ready). */
export async function ipamStatus(ctx: Ctx, type: string): Promise<void> {
  if (type === '') return;
  try {
    findInPath(type, ctx.env.path);
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, `IPAM plugin not available: ${(e as Error).message}`);
  }
  await delegate(ctx, type, 'STATUS');
}

/** GC of a plugin whose only state is its IPAM's: the IPAM plugin's own GC ('' = nothing to do). */
export async function ipamGc(ctx: Ctx, type: string): Promise<void> {
  if (type !== '') await delegate(ctx, type, 'GC');
}

/** IPAM ADD; its release (IPAM DEL) is pushed on the undo stack once the lease exists. */
export async function ipamAdd(ctx: Ctx, type: string, undo: UndoStack): Promise<Result> {
  const r = await delegate(ctx, type, 'ADD');
  undo.push(() => delegate(ctx, type, 'DEL').then(() => undefined));
  if (!r?.ips?.length) throw new CniError(Code.Internal, 'IPAM plugin returned missing IP config');
  return r;
}

/** IPAM types that speak over the container's link (dhcp releases its lease through it). */
export const ipamNeedsLink = (type: string): boolean => type === 'dhcp';

/**
 * DEL of the container's link and its IPAM lease. They run side by side, unless the IPAM needs
 * the link: then its DEL finishes first (the reference's bridge deletes the link first, and dhcp's
 * release then fails with "no such device"); the link goes even when that DEL fails.
 */
export function linkAndIpamDel(ctx: Ctx, ipamType: string, delLink: () => Promise<unknown>): Array<Promise<unknown>> {
  if (ipamType === '') return [delLink()];
  if (ipamNeedsLink(ipamType)) return [delegate(ctx, ipamType, 'DEL').finally(delLink)];
  return [delLink(), delegate(ctx, ipamType, 'DEL')];
}
