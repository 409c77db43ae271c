// DEL: release every lease of (containerID, ifname), or legacy id-only leases; nothing = success.
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { withStore, type Store } from './store.ts';

export async function del(ctx: Ctx): Promise<void> {
  // An invalid config fails DEL too, as upstream (it cannot know which directory to clean).
  const conf = loadConfig(ctx.raw, ctx.cniVersion, ctx.env.args);
  await withStore(conf.dir, (store) => release(store, ctx.env.containerId, ctx.env.ifname));
}

export function release(store: Store, id: string, ifname: string): void {
  store.scan({ cleanTemp: true });
  const errors: string[] = [];
  for (const l of store.owned(id, ifname)) {
    try {
      store.release(l.name);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length) throw new CniError(Code.IoFailure, errors.join(';'));
}
