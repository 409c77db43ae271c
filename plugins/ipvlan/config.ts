// ipvlan network configuration (containernetworking/plugins `plugins/main/ipvlan/ipvlan.go` NetConf,
// loadConf; keys in plugins/ipvlan/README.md): schema, defaults, and where the master and the
// addresses come from when the plugin is chained after another (prevResult).
import * as z from 'zod/mini';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import type { Result } from '../../shared/cni/result.ts';

export const MODES = ['l2', 'l3', 'l3s'] as const;
export type Mode = (typeof MODES)[number];

export const IpvlanConfSchema = goObject({
  ...baseShape,
  master: z.optional(z.string()),
  mode: z.optional(z.string()),
  mtu: z.optional(int()),
  linkInContainer: z.optional(z.boolean()),
});
export type IpvlanConfRaw = z.infer<typeof IpvlanConfSchema>;

export interface IpvlanConf {
  raw: IpvlanConfRaw;
  /** The configured master, or prevResult's single interface when chained; '' = the default route's interface. */
  master: string;
  mode: Mode;
  mtu: number;
  linkInContainer: boolean;
  ipamType: string;
  /** prevResult, when there is one. */
  prev?: Result;
}

/** The keys DEL reads: no lookups, so DEL works when the master (or anything else) is gone. */
export const parseRaw = (raw: unknown): IpvlanConfRaw => parseConfig(IpvlanConfSchema, raw, 'failed to load netconf');

export function parseMode(s: string | undefined): Mode {
  if (s === undefined || s === '') return 'l2';
  if ((MODES as readonly string[]).includes(s)) return s as Mode;
  throw invalidConfig(`mode: unknown ipvlan mode: ${JSON.stringify(s)} (l2, l3 or l3s)`);
}

/**
 * The reference's loadConf: without `master`, a chained ipvlan (one with a prevResult) takes
 * prevResult's single named interface; otherwise the default route's interface is looked up later.
 */
export function loadConf(rawInput: unknown, cniVersion: string): IpvlanConf {
  const raw = parseRaw(rawInput);
  const mode = parseMode(raw.mode);
  const mtu = raw.mtu ?? 0;
  if (mtu < 0) throw invalidConfig(`mtu: invalid MTU ${mtu}, must not be negative`);
  const prev = prevResultOf(raw, cniVersion);
  let master = raw.master ?? '';
  if (master === '' && prev) {
    const ifs = prev.interfaces ?? [];
    if (ifs.length !== 1 || !ifs[0]?.name)
      throw new CniError(Code.InvalidNetworkConfig, 'master: chained master failure. PrevResult lacks a single named interface');
    master = ifs[0].name;
  }
  if (master !== '') assertIfname(master, 'master');
  return { raw, master, mode, mtu, linkInContainer: raw.linkInContainer ?? false, ipamType: raw.ipam?.type ?? '', ...(prev ? { prev } : {}) };
}

/**
 * Where ADD's addresses come from: IPAM, or (chained, with no `ipam.type`) prevResult's. Neither is
 * an error before anything is made (the reference creates the link first and leaves it behind).
 */
export function addressSource(conf: IpvlanConf): 'ipam' | 'prev' {
  if (conf.ipamType !== '') return 'ipam';
  if (conf.prev?.ips?.length) return 'prev';
  throw invalidConfig('ipam: no IPAM type configured and no addresses in prevResult (ipvlan needs one of them)');
}
