// ADD: the configured addresses, routes and DNS as a result; nothing is reserved or written.
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig, resultIps } from './config.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, ctx.env.args);
  const result: Result = { ips: resultIps(conf) };
  if (conf.routes.length) result.routes = conf.routes;
  if (conf.dns) result.dns = conf.dns;
  return result;
}
