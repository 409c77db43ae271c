// GC (spec 1.1): release every lease whose attachment is not in cni.dev/valid-attachments.
// Without the key the caller said nothing about what is valid, so nothing is released.
import { CniError, Code } from '../../shared/cni/errors.ts';
import { validAttachments } from '../../shared/cni/config.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { leaseOwner, withStore, type Lease } from './store.ts';

/** The leases GC removes, given the valid attachments (pure, for tests). */
export function staleLeases(leases: Iterable<Lease>, valid: { containerID: string; ifname: string }[]): Lease[] {
  const keys = new Set(valid.map((a) => `${a.containerID.trim()}\n${a.ifname}`));
  const ids = new Set(valid.map((a) => a.containerID.trim()));
  return [...leases].filter((l) => {
    const o = leaseOwner(l.content);
    // A legacy id-only lease stays while any attachment of that container is valid.
    return o.ifname === undefined ? !ids.has(o.id) : !keys.has(`${o.id}\n${o.ifname}`);
  });
}

export async function gc(ctx: Ctx): Promise<void> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, '');
  const valid = validAttachments(conf.conf);
  if (valid === undefined) return;
  await withStore(conf.dir, (store) => {
    store.scan({ cleanTemp: true });
    const errors: string[] = [];
    for (const l of staleLeases(store.leases.values(), valid)) {
      try {
        store.release(l.name);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (errors.length) throw new CniError(Code.IoFailure, errors.join(';'));
  });
}
