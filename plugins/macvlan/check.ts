import { delegate } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { resolveMaster } from '../../shared/host/master.ts';
import { checkContainerLink, readIface } from '../../shared/host/iface-check.ts';
import { checkMtu, loadConf } from './config.ts';

/** containernetworking/plugins `plugins/main/macvlan/macvlan.go` cmdCheck: IPAM, the master, the link's kind, mode and MAC, its addresses and routes. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, ctx.env.args);
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  const masterP = resolveMaster({ master: conf.master, netns, inContainer: conf.linkInContainer }, true);
  const contP = readIface(netns, ifname);
  // Both reads run side by side; the failures come in the reference's order.
  contP.catch(() => undefined);
  checkMtu(conf.mtu, (await masterP).mtu ?? Number.POSITIVE_INFINITY);
  if (conf.ipamType !== '') await delegate(ctx, conf.ipamType, 'CHECK');
  const prev = prevResultOf(conf.raw, ctx.cniVersion);
  if (!prev) throw new CniError(Code.Internal, 'required prevResult missing');
  checkContainerLink({ netns, ifname }, prev, { kind: 'macvlan', mode: conf.mode }, await contP);
}
