import { validAttachments } from '../../shared/cni/config.ts';
import { delegate } from '../../shared/cni/ipam.ts';
import { masqCleanupFor } from '../../shared/host/ipmasq.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';

/**
 * GC: IPAM forgets leases of attachments no longer valid; masquerade rules of this network whose
 * attachment is not in the list go too (iptables: by the comment naming net+id; nft: by comment hash).
 */
export async function gc(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const keep = validAttachments(conf.raw);
  const steps: Array<Promise<unknown>> = [];
  if (conf.ipamType !== '') steps.push(delegate(ctx, conf.ipamType, 'GC'));
  // Without a list, nothing can be told stale: removing everything would cut live containers off.
  if (keep && conf.ipamType !== '' && conf.ipMasq) {
    steps.push(masqCleanupFor(conf.ipMasqBackend).gc(conf.name, keep));
  }
  await settleAll(steps);
}
