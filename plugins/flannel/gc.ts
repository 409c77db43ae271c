// GC (spec 1.1; upstream has none): saved configurations of this network whose container is not
// in cni.dev/valid-attachments are removed, and the delegate's GC runs with the rebuilt delegate
// configuration and the same list, so that bridge and host-local collect their own leftovers.
// Without the list the caller said nothing about what is valid, so nothing is removed.
import { validAttachments } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { delegateInput, loadConfig } from './config.ts';
import { runDelegate } from './delegate.ts';
import { buildDelegate, delegateBytes } from './plan.ts';
import { forget, load, savedHeader, savedIds } from './saved.ts';
import { readSubnetEnv } from './subnet-env.ts';

/** Saved files to remove: this network's, of containers with no valid attachment (pure, for tests). */
export function staleIds(saved: ReadonlyArray<{ id: string; name: unknown }>, net: string, validIds: ReadonlySet<string>): string[] {
  // Files are named by container ID alone; other networks sharing the directory are left alone.
  return saved.filter((s) => s.name === net && !validIds.has(s.id)).map((s) => s.id);
}

export async function gc(ctx: Ctx): Promise<void> {
  const c = loadConfig(ctx.raw, ctx.cniVersion);
  const valid = validAttachments(c.conf);
  if (valid === undefined) return;
  const ids = new Set(valid.map((a) => a.containerID));
  const saved = savedIds(c.dataDir).map((id) => ({ id, name: savedHeader(load(c.dataDir, id) ?? '')?.name }));
  const errors: string[] = [];
  for (const id of staleIds(saved, c.name, ids)) {
    try {
      forget(c.dataDir, id);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  // The delegate's own GC needs a delegate configuration: none without a subnet file.
  let bytes: string | undefined;
  try {
    bytes = delegateBytes(buildDelegate(c, delegateInput(c.conf), readSubnetEnv(c.subnetFile)));
  } catch {
    bytes = undefined;
  }
  if (bytes !== undefined) {
    const d = JSON.parse(bytes) as Record<string, unknown>;
    d['cni.dev/valid-attachments'] = valid;
    await runDelegate(ctx, JSON.stringify(d), 'GC');
  }
  if (errors.length) throw new CniError(Code.IoFailure, errors.join('; '));
}
