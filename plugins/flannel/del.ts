// DEL: the delegate's DEL with the configuration saved at ADD, then the saved file is removed.
// Beyond upstream (flannel-io/cni-plugin `flannel_linux.go` doCmdDel): with no usable saved file
// the configuration is rebuilt from the subnet file, so the delegate still releases the address;
// and the file is kept when the delegate's DEL fails, so that a retry can succeed.
import type { Ctx } from '../../shared/cni/skel.ts';
import { delegateInput, loadConfig, type FlannelConfig } from './config.ts';
import { runDelegate } from './delegate.ts';
import { buildDelegate, delegateBytes } from './plan.ts';
import { forget, load, savedHeader } from './saved.ts';
import { readSubnetEnv } from './subnet-env.ts';

/** The delegate configuration rebuilt as ADD would build it now, or undefined when it cannot be. */
function rebuild(c: FlannelConfig, why: string): string | undefined {
  try {
    return delegateBytes(buildDelegate(c, delegateInput(c.conf), readSubnetEnv(c.subnetFile)));
  } catch (e) {
    process.stderr.write(`flannel: ${why}, and no delegate configuration can be rebuilt (${(e as Error).message}): nothing to delete\n`);
    return undefined;
  }
}

export async function del(ctx: Ctx): Promise<void> {
  const c = loadConfig(ctx.raw, ctx.cniVersion);
  const id = ctx.env.containerId;
  const saved = load(c.dataDir, id);
  const usable = saved !== undefined && savedHeader(saved) ? saved : undefined;
  const bytes = usable ?? rebuild(c, saved === undefined ? `no saved configuration for ${id}` : `the saved configuration of ${id} is not usable`);
  if (bytes !== undefined) await runDelegate(ctx, bytes, 'DEL');
  forget(c.dataDir, id); // also the temp file of an ADD killed before its rename
}
