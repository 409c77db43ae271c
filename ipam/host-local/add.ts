// ADD: one address per range set, all under a single lock.
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { IpConfig, Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { loadConfig } from './config.ts';
import { readResolvConf } from './dns.ts';
import { ipString, type Ip } from '../../shared/host/addr.ts';
import { rangeSetString, type RangeSet } from './range.ts';
import { decide, takeRequested } from './plan.ts';
import { withStore, type Store } from './store.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConfig(ctx.raw, ctx.cniVersion, ctx.env.args);
  const dns = conf.resolvConf ? readResolvConf(conf.resolvConf) : undefined;
  const { containerId: id, ifname } = ctx.env;
  const ips = await withStore(conf.dir, (store) => allocate(store, conf.ranges, [...conf.requested], id, ifname));
  const result: Result = { ips };
  if (conf.routes.length) result.routes = conf.routes;
  if (dns) result.dns = dns;
  return result;
}

/** Allocate in every range set; on any failure release exactly what this call reserved. */
export function allocate(store: Store, ranges: RangeSet[], requested: Ip[], id: string, ifname: string): IpConfig[] {
  store.scan({ cleanTemp: true });
  const made: string[] = [];
  const rollback = () => {
    for (const name of made) store.release(name);
  };
  const heldBy = store.ownedAny(id, ifname).map((l) => l.ip);
  const out: IpConfig[] = [];
  try {
    for (const [idx, set] of ranges.entries()) {
      const want = takeRequested(set, requested);
      let d = decide(set, id, { isTaken: store.isTaken, heldBy, lastReserved: store.lastReserved(idx) }, want);
      // Under the lock our scan is exact, so a lost link() race means a writer that ignores the lock.
      while (d.ok && !store.reserve(d.ip, id, ifname, idx)) {
        store.scan();
        d = want
          ? { ok: false, error: `requested IP address ${ipString(want)} is not available in range set ${rangeSetString(set)}` }
          : decide(set, id, { isTaken: store.isTaken, heldBy, lastReserved: d.ip }, undefined);
      }
      if (!d.ok) throw new CniError(Code.Internal, `failed to allocate for range ${idx}: ${d.error}`);
      made.push(ipString(d.ip));
      out.push({ address: `${ipString(d.ip)}/${d.range.subnet.prefix}`, gateway: ipString(d.range.gateway) });
    }
    if (requested.length) {
      throw new CniError(Code.Internal, `failed to allocate all requested IPs: ${requested.map(ipString).join(' ')}`);
    }
  } catch (e) {
    rollback();
    throw e;
  }
  return out;
}
