import { CniError, Code } from '../../shared/cni/errors.ts';
import { usable } from '../../shared/host/iptables.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseFirewallConf } from './config.ts';
import { firewalldRunning } from './firewalld.ts';

/** Ready when the backend this configuration would use answers here. */
export async function status(ctx: Ctx): Promise<void> {
  const conf = parseFirewallConf(ctx.raw, ctx.cniVersion);
  if (conf.backend === 'firewalld') {
    if (!(await firewalldRunning())) throw new CniError(Code.PluginNotAvailable, 'firewalld backend requested but firewalld does not answer on the system bus');
    return;
  }
  if (conf.backend === undefined && (await firewalldRunning())) return;
  if (!(await usable(4))) throw new CniError(Code.PluginNotAvailable, 'iptables is not usable');
}
