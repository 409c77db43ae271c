// ADD: subnet file + config → delegate configuration, saved, then the delegate's ADD; its result
// is ours. A failed delegate ADD leaves no saved file (upstream keeps it).
import { wrap } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { delegateInput, loadConfig } from './config.ts';
import { runDelegate } from './delegate.ts';
import { buildDelegate, delegateBytes } from './plan.ts';
import { forget, load, save } from './saved.ts';
import { readSubnetEnv } from './subnet-env.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const c = loadConfig(ctx.raw, ctx.cniVersion);
  // The config's own problems first: they are reported even before flanneld has written its file.
  const input = delegateInput(c.conf);
  const bytes = delegateBytes(buildDelegate(c, input, readSubnetEnv(c.subnetFile)));
  const id = ctx.env.containerId;
  const before = load(c.dataDir, id);
  save(c.dataDir, id, bytes);
  try {
    return (await runDelegate(ctx, bytes, 'ADD'))!;
  } catch (e) {
    // Put back what was there (a repeated ADD of a live attachment), else remove ours.
    if (before === undefined) forget(c.dataDir, id);
    else save(c.dataDir, id, before);
    throw wrap('failed to delegate add', e);
  }
}
