// Host-side reads that need no process: /sys/class/net tells whether a link exists, its kind,
// MAC, operstate and whether the bridge's MAC is pinned.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CniError, Code } from '../../shared/cni/errors.ts';

const sys = (dev: string, file: string): string | undefined => {
  try {
    return readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

export const linkExists = (dev: string): boolean => existsSync(`/sys/class/net/${dev}`);
export const isBridge = (dev: string): boolean => existsSync(`/sys/class/net/${dev}/bridge`);
export const linkMac = (dev: string): string | undefined => sys(dev, 'address');
/** addr_assign_type 3 = NET_ADDR_SET: the MAC was set explicitly and no longer follows the ports. */
export const macPinned = (dev: string): boolean => sys(dev, 'addr_assign_type') === '3';
/** IFF_UP and IFF_PROMISC from the link's flags. */
export function linkFlags(dev: string): { up: boolean; promisc: boolean } {
  const f = Number.parseInt(sys(dev, 'flags') ?? '0', 16) || 0;
  return { up: (f & 0x1) !== 0, promisc: (f & 0x100) !== 0 };
}
export const defaultPvid = (br: string): number => Number(sys(br, 'bridge/default_pvid') ?? '1');

/** Wait for the host veth to report operstate up, polling briefly first, then backing off like the reference (about 2.5 s in all). */
export async function waitPortUp(dev: string): Promise<void> {
  let state = 'unknown';
  for (const ms of [0, 2, 5, 10, 30, 500, 1000, 1000]) {
    if (ms) await sleep(ms);
    state = sys(dev, 'operstate') ?? 'missing';
    if (state === 'up') return;
  }
  throw new CniError(Code.Internal, `bridge port in error state: ${state}`);
}
