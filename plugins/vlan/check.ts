import { checkAttachedLink } from '../../shared/cni/attach.ts';
import { lookupParent } from '../../shared/host/container-link.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConf } from './config.ts';
import { checkVlanLink, vlanLinkSpec } from './plan.ts';

/** containernetworking/plugins `plugins/main/vlan/vlan.go` cmdCheck: the master must exist too. */
export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw);
  const spec = vlanLinkSpec(conf, ctx.env.netns, ctx.env.ifname);
  await checkAttachedLink(
    ctx,
    'vlan',
    conf,
    (link) => checkVlanLink(conf, link),
    () => lookupParent(spec),
  );
}
