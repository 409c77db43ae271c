// CHECK: the attachment still holds a lease; and every address of prevResult that lies in our
// ranges is leased to it (the reference only checks that some lease exists).
import { CniError, Code } from '../../shared/cni/errors.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { ipString, parseCidr, parseIp } from '../../shared/host/addr.ts';
import { setContains } from './range.ts';
import { leaseKey, withStore } from './store.ts';

export async function check(ctx: Ctx): Promise<void> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, ctx.env.args);
  const prev = prevResultOf(conf.conf, ctx.cniVersion);
  const { containerId: id, ifname } = ctx.env;
  await withStore(conf.dir, (store) => {
    store.scan();
    const mine = store.ownedAny(id, ifname);
    if (mine.length === 0) throw new CniError(Code.Internal, `host-local: Failed to find address added by container ${id}`);
    for (const ipc of prev?.ips ?? []) {
      const c = parseCidr(ipc.address);
      const ip = c && parseIp(ipString(c.ip));
      if (!ip || !conf.ranges.some((s) => setContains(s, ip))) continue;
      const lease = store.leases.get(ipString(ip));
      if (!lease || (lease.content !== leaseKey(id, ifname) && lease.content !== id.trim())) {
        throw new CniError(Code.Internal, `host-local: address ${ipString(ip)} of the previous result is not reserved for container ${id} interface ${ifname}`);
      }
    }
  });
}
