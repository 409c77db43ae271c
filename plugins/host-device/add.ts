import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { isV4 } from '../../shared/host/addr.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { ipamAdd } from '../../shared/cni/ipam.ts';
import { withUndo } from '../../shared/cni/undo.ts';
import { configureIface } from '../../shared/host/iface.ts';
import { removeState, writeState } from '../../shared/host/state-file.ts';
import { loadConf } from './config.ts';
import { confDns } from '../../shared/cni/config.ts';
import { formatSaved, pickHostDevice } from './plan.ts';
import { moveIn, moveOut, openLinks, openTemp, sysfsHit, tempName } from './move.ts';
import { ipSession, type IpSession, type Link } from '../../shared/host/iproute2.ts';
import { STATE_DIR, stateFile } from './state.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const conf = loadConf(ctx.raw);
  const { netns, ifname, containerId } = ctx.env;
  assertNetns(netns);
  const l3 = conf.ipamType !== '';
  const dns = confDns(conf.raw);
  return withUndo(async (undo) => {
    if (conf.dpdk) {
      // Bound to a userspace driver: nothing to move, and addresses are for the application to apply.
      const result: Result = { interfaces: [{ name: ifname, sandbox: netns }] };
      if (!l3) return result;
      const r = await ipamAdd(ctx, conf.ipamType, undo);
      return { ...result, ips: (r.ips ?? []).map((i) => ({ ...i, interface: 0 })), ...(r.routes?.length ? { routes: r.routes } : {}), ...(dns ? { dns } : {}) };
    }
    // The device is found before IPAM hands out anything: a missing device leaves no lease. The
    // process that lists the node's links waits, and moves the device once it is chosen and saved.
    const sel = conf.selector;
    if (!sel) throw new Error('unreachable: ADD config without a device key');
    const hit = sysfsHit(sel);
    const found = openLinks(undefined, sel.by === 'device' ? sel.value : undefined);
    // The temporary namespace's process and the container's start now and wait for their lines:
    // their start-up overlaps the lookup and the moves.
    const into = openTemp();
    const inContainer = ipSession({ netns });
    for (const p of [into, inContainer]) p.catch(() => undefined); // handled where awaited; never an unhandled rejection meanwhile
    try {
      const { links, session } = await found;
      const tmp = tempName(containerId, ifname);
      const file = stateFile(containerId, ifname);
      let dev: Link;
      let tmpProc: IpSession;
      try {
        dev = pickHostDevice(links, sel, hit);
        tmpProc = await into;
        // Saved before the move: a DEL after this ADD was killed mid-move still knows the state to restore.
        writeState(STATE_DIR, file, formatSaved({ device: dev.ifname, up: dev.flags.includes('UP') }));
      } catch (e) {
        await session.finish([]); // the waiting process moves nothing
        throw e;
      }
      const wasUp = dev.flags.includes('UP');
      undo.push(async () => removeState(file));
      // The move and IPAM run side by side, the move first (its lines go to the waiting process
      // before IPAM's own work starts); each pushes its undo once it has succeeded.
      const moveP = moveIn({ name: dev.ifname, up: wasUp }, netns, ifname, tmp, { via: session, into: tmpProc }).then(() => {
        undo.push(() => moveOut(netns, ifname, dev.ifname, wasUp, tmp));
      });
      const ipamP = l3 ? ipamAdd(ctx, conf.ipamType, undo) : Promise.resolve(undefined);
      await settleAll<unknown>([ipamP, moveP]);
      const ipam = await ipamP;
      const ips = (ipam?.ips ?? []).map((i) => ({ ...i, interface: 0 }));
      const routes = ipam?.routes ?? [];
      const settle = ips.some((i) => i.gateway && !isV4(i.gateway));
      const link = await configureIface(netns, { ifname, index: 0, ips, routes }, { settle, via: await inContainer });
      if (link) writeState(STATE_DIR, file, formatSaved({ device: dev.ifname, up: wasUp, ifindex: link.ifindex }));
      const result: Result = { interfaces: [{ name: ifname, mac: link?.address ?? '', sandbox: netns }] };
      if (!l3) return result;
      return { ...result, ips, ...(routes.length ? { routes } : {}), ...(dns ? { dns } : {}) };
    } finally {
      // Processes this call started and did not use read end-of-file and exit.
      await Promise.all([inContainer, into].map((p) => p.then((s) => s.finish([])).catch(() => undefined)));
    }
  });
}
