// Pure planning shared by ADD, CHECK and DEL: which sysctl paths, which originals to save, the
// result with the new MAC, and CHECK's comparisons with the reference's messages.
import type { Result } from '../../shared/cni/result.ts';
import type { TuningConf } from './config.ts';
import type { LinkAttrs } from './link.ts';
import type { Saved } from './state.ts';
import { sysctlPathFor } from './sysctl-key.ts';
import { parseMac } from '../../shared/host/mac.ts';

export const sysctlSettings = (c: TuningConf, ifname: string): Array<[string, string]> => c.sysctl.map(([k, v]) => [sysctlPathFor(k, ifname), v]);

/** createBackup: the current value of every attribute the config changes. */
export function originalsOf(c: TuningConf, cur: LinkAttrs): Saved {
  const s: Saved = {};
  if (c.mac !== undefined) s.mac = cur.mac;
  if (c.promisc) s.promisc = cur.promisc;
  if (c.mtu !== 0) s.mtu = cur.mtu;
  if (c.allmulti !== undefined) s.allmulti = cur.allmulti;
  if (c.txQLen !== undefined) s.txQLen = cur.txQLen;
  return s;
}

/** The attributes ADD sets: promisc only ever switched on, as in cmdAdd. */
export function wantedOf(c: TuningConf): Saved {
  const s: Saved = {};
  if (c.macBytes !== undefined) s.mac = c.macBytes;
  if (c.promisc) s.promisc = true;
  if (c.mtu !== 0) s.mtu = c.mtu;
  if (c.allmulti !== undefined) s.allmulti = c.allmulti;
  if (c.txQLen !== undefined) s.txQLen = c.txQLen;
  return s;
}

/** updateResultsMacAddr: interfaces named CNI_IFNAME get the configured MAC string. */
export function resultWithMac(prev: Result, ifname: string, mac: string | undefined): Result {
  if (mac === undefined || !prev.interfaces) return prev;
  return { ...prev, interfaces: prev.interfaces.map((i) => (i.name === ifname ? { ...i, mac } : i)) };
}

/** cmdCheck's comparisons, first mismatch wins; undefined when everything matches. */
export function checkProblem(c: TuningConf, ifname: string, sysctls: ReadonlyArray<readonly [string, string, string]>, l: LinkAttrs): string | undefined {
  for (const [path, want, cur] of sysctls) {
    if (want !== cur) return `Error: Tuning configured value of /proc/sys/${path} is ${want}, current value is ${cur}`;
  }
  // Compared as addresses (the reference compares strings, so "AA:BB:…" never passed its CHECK).
  if (c.mac !== undefined && parseMac(l.mac) !== c.macBytes) {
    return `Error: Tuning configured Ethernet of ${ifname} is ${c.mac}, current value is ${l.mac}`;
  }
  if (c.promisc !== l.promisc) {
    return `Error: Tuning link ${ifname} configured promisc is ${c.promisc}, current value is ${l.promisc ? 1 : 0}`;
  }
  if (c.mtu !== 0 && c.mtu !== l.mtu) return `Error: Tuning configured MTU of ${ifname} is ${c.mtu}, current value is ${l.mtu}`;
  if (c.allmulti !== undefined && c.allmulti !== l.allmulti) {
    return `Error: Tuning configured all-multicast mode of ${ifname} is ${c.allmulti}, current value is ${l.allmulti}`;
  }
  if (c.txQLen !== undefined && c.txQLen !== l.txQLen) {
    return `Error: Tuning configured Transmit Queue Length of ${ifname} is ${c.txQLen}, current value is ${l.txQLen}`;
  }
  return undefined;
}
