import type { Ctx } from '../../shared/cni/skel.ts';
import { linkAndIpamDel } from '../../shared/cni/ipam.ts';
import { prevResultOf } from '../../shared/cni/config.ts';
import { settleAll } from '../../shared/cni/errors.ts';
import { netnsState } from '../../shared/host/netns.ts';
import { readState, removeState } from '../../shared/host/state-file.ts';
import { loadConf } from './config.ts';
import { extras, findContainerDevice, parseSaved, type ContainerHints } from './plan.ts';
import { moveOut, openLinks, openTemp, recoverStranded, stranded, tempName } from './move.ts';
import { stateFile } from './state.ts';

/** The MAC prevResult gives the container interface, if any (DEL's prevResult may be absent or unreadable). */
function prevMac(ctx: Ctx, raw: ReturnType<typeof loadConf>['raw']): string | undefined {
  try {
    return prevResultOf(raw, ctx.cniVersion)?.interfaces?.find((i) => i.name === ctx.env.ifname)?.mac;
  } catch {
    return undefined;
  }
}

export async function del(ctx: Ctx): Promise<void> {
  const conf = loadConf(ctx.raw, true);
  const { netns, ifname, containerId } = ctx.env;
  const file = stateFile(containerId, ifname);
  const saved = parseSaved(readState(file));
  const sel = conf.selector;
  const hints: ContainerHints = {
    ...(saved?.ifindex !== undefined ? { ifindex: saved.ifindex } : {}),
    ...(sel?.by === 'device' ? { device: sel.value } : {}),
    ...(sel?.by === 'hwaddr' ? { mac: sel.mac } : {}),
  };
  const mac = hints.mac ?? prevMac(ctx, conf.raw);
  if (mac) hints.mac = mac;
  // Unlike the reference (which returns before IPAM DEL when CNI_NETNS is empty: upstream issue
  // #1196), the lease is released whatever became of the namespace.
  const tmp = tempName(containerId, ifname);
  const giveBack = async () => {
    if (!conf.dpdk && stranded(tmp)) await recoverStranded(tmp, saved?.up ?? false);
    if (!conf.dpdk && netns !== '' && netnsState(netns) === 'ok') {
      // Gone already (a second DEL, or not ours: no alias) is not an error: the reference fails with `failed to find "eth0"`.
      // One process lists the container's links and, once the device is found, moves it out of
      // there, into the temporary namespace's process, started meanwhile.
      const found = openLinks(netns);
      const into = openTemp();
      into.catch(() => undefined); // handled where awaited; never an unhandled rejection meanwhile
      try {
        const { links, session } = await found;
        const dev = findContainerDevice(links, ifname, hints);
        if (!dev) await session.finish([]);
        else {
          const ready = await into.catch(async (e: unknown) => {
            await session.finish([]); // the waiting process moves nothing
            throw e;
          });
          await moveOut(netns, dev.ifname, extras(dev).ifalias ?? '', saved?.up ?? false, tmp, { via: session, into: ready });
        }
      } finally {
        await into.then(
          (s) => s.finish([]),
          () => undefined,
        );
      }
    }
    removeState(file);
  };
  await settleAll(linkAndIpamDel(ctx, conf.ipamType, giveBack));
}
