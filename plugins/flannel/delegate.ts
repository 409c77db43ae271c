// Running the delegate plugin (bridge by default) with a delegate configuration as its stdin,
// in this call's environment (shared/cni/delegate.ts).
import { delegatePlugin, type DelegateRole } from '../../shared/cni/delegate.ts';
import type { Verb } from '../../shared/cni/env.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';

const ROLE: DelegateRole = { field: 'delegate.type', what: 'delegate' };

export function runDelegate(ctx: Ctx, bytes: string, verb: Exclude<Verb, 'VERSION'>): Promise<Result | undefined> {
  const raw = JSON.parse(bytes) as Record<string, unknown>;
  const cniVersion = typeof raw.cniVersion === 'string' ? raw.cniVersion : '';
  const type = String(raw.type);
  return delegatePlugin({ ...ctx, stdin: bytes, raw, cniVersion, name: String(raw.name ?? ctx.name) }, type, verb, ROLE);
}
