// DEL (main.go cmdDel, TeardownIfb): remove the IFB. The qdiscs on the host veth go with the veth,
// which the main plugin removes. Nothing else is needed, so DEL neither enters the namespace nor
// needs prevResult: it succeeds with the namespace, the veth or the IFB already gone.
import { ipBatch } from '../../shared/host/iproute2.ts';
import { line } from '../../shared/host/iproute2.ts';
import { commandError, saysNotFound } from '../../shared/host/exec.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseConfig } from '../../shared/cni/schema.ts';
import { BandwidthConfSchema } from './config.ts';
import { ifbName } from './plan.ts';

export async function del(ctx: Ctx): Promise<void> {
  // Types only: a config whose rates ADD refused can still be deleted.
  parseConfig(BandwidthConfSchema, ctx.raw, 'failed to parse network configuration');
  const ifb = ifbName(ctx.name, ctx.env.containerId);
  const r = await ipBatch([line('link', 'del', 'dev', ifb)], { allowFail: true });
  if (r.exitCode !== 0 && !saysNotFound(r)) throw commandError(`failed to delete ${ifb}`, r);
}
