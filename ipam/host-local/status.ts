// STATUS (spec 1.1): ready when the lease directory is writable and every range set still has a
// free address. Read-only apart from creating the directory (which every verb does, as upstream).
import { accessSync, constants } from 'node:fs';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { pickFree, exhaustedMessage } from './order.ts';
import { mkdirs, Store } from './store.ts';

export async function status(ctx: Ctx): Promise<void> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, '');
  try {
    mkdirs(conf.dir);
    accessSync(conf.dir, constants.W_OK);
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, `data directory ${conf.dir} is not writable: ${(e as Error).message}`);
  }
  // No lock: an advisory answer must not wait behind ADDs. The scan bounds the search: a free
  // address is found within (leases + gateways + 1) candidates unless the set is exhausted.
  const store = new Store(conf.dir);
  store.scan();
  for (const [idx, set] of conf.ranges.entries()) {
    if (!pickFree(set, store.lastReserved(idx), store.isTaken)) {
      throw new CniError(Code.PluginNotAvailable, `range set ${idx}: ${exhaustedMessage(set)}`);
    }
  }
}
