// The plugin side of dhcp IPAM: every verb is one call to the daemon.
import { resolve } from 'node:path';
import { validAttachments, parseBase } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { clientOptions, loadConf } from './config.ts';
import { call, type DaemonRequest } from './protocol.ts';

async function ask(ctx: Ctx, method: DaemonRequest['method'], extra: Partial<DaemonRequest> = {}): Promise<Result | undefined> {
  const { socketPath, ipam } = loadConf(ctx.raw);
  clientOptions(ipam, ctx.env.args); // every option checked here, before the daemon sees it
  const r = await call(socketPath, {
    method,
    containerId: ctx.env.containerId,
    // The daemon runs elsewhere: it needs an absolute path (the reference's filepath.Abs).
    netns: ctx.env.netns ? resolve(ctx.env.netns) : '',
    ifname: ctx.env.ifname,
    args: ctx.env.args,
    stdin: ctx.stdin,
    ...extra,
  });
  if (!r.ok) throw new CniError(r.code, r.msg);
  return r.result;
}

export async function add(ctx: Ctx): Promise<Result> {
  const r = await ask(ctx, 'allocate');
  if (!r?.ips?.length) throw new CniError(Code.Internal, 'the DHCP daemon returned no address');
  return r;
}

/** DEL: release; with no daemon running nothing holds a lease, so there is nothing to release. */
export async function del(ctx: Ctx): Promise<void> {
  try {
    await ask(ctx, 'release');
  } catch (e) {
    if (e instanceof CniError && /the daemon is not running/.test(e.message)) return;
    throw e;
  }
}

/** CHECK confirms the lease the daemon holds for this attachment, without a second exchange. */
export async function check(ctx: Ctx): Promise<void> {
  await ask(ctx, 'check');
}

export async function status(ctx: Ctx): Promise<void> {
  try {
    await ask(ctx, 'status');
  } catch (e) {
    throw new CniError(Code.PluginNotAvailable, e instanceof CniError ? e.message : String(e));
  }
}

export async function gc(ctx: Ctx): Promise<void> {
  const valid = validAttachments(parseBase(ctx.raw)) ?? [];
  await ask(ctx, 'gc', { valid: valid.map((a) => ({ containerID: a.containerID, ifname: a.ifname })) });
}
