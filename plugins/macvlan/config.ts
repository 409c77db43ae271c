// macvlan network configuration (containernetworking/plugins `plugins/main/macvlan/macvlan.go`
// NetConf, MacEnvArgs; keys in plugins/macvlan/README.md): schema, defaults, the MAC's sources in
// the reference's precedence, and every value checked before it can reach an `ip` line.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import { parseMac } from '../../shared/host/mac.ts';

export const MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;
export type Mode = (typeof MODES)[number];

export const MacvlanConfSchema = goObject({
  ...baseShape,
  master: z.optional(z.string()),
  mode: z.optional(z.string()),
  mtu: z.optional(int()),
  mac: z.optional(z.string()),
  linkInContainer: z.optional(z.boolean()),
  // IFLA_MACVLAN_BC_QUEUE_LEN is a u32.
  bcqueuelen: z.optional(int(0, 2 ** 32 - 1)),
  runtimeConfig: z.optional(goObject({ mac: z.optional(z.string()) })),
});
export type MacvlanConfRaw = z.infer<typeof MacvlanConfSchema>;

export interface MacvlanConf {
  raw: MacvlanConfRaw;
  /** '' = the interface of the default route. */
  master: string;
  mode: Mode;
  /** 0 = the master's. */
  mtu: number;
  mac?: string;
  linkInContainer: boolean;
  bcqueuelen: number;
  /** '' = layer 2 only. */
  ipamType: string;
}

/** The keys DEL reads: no lookups, so DEL works when the master (or anything else) is gone. */
export const parseRaw = (raw: unknown): MacvlanConfRaw => parseConfig(MacvlanConfSchema, raw, 'failed to load netconf');

/** An Ethernet unicast address in iproute2's form; the field that gave it is named when it is not one. */
export function ethMac(s: string, field: string): string {
  const m = parseMac(s) ?? '';
  if (m.length !== 17) throw invalidConfig(`${field}: "${s}" is not a valid Ethernet MAC address`);
  if (parseInt(m.slice(0, 2), 16) & 1) throw invalidConfig(`${field}: "${s}" is a multicast MAC address`);
  if (m === '00:00:00:00:00:00') throw invalidConfig(`${field}: "${s}" is the all-zero MAC address`);
  return m;
}

/** The MAC as the reference picks it: `mac` < CNI_ARGS `MAC=` < `runtimeConfig.mac`. */
export function pickMac(raw: Pick<MacvlanConfRaw, 'mac' | 'runtimeConfig'>, cniArgs: string): string | undefined {
  const args = cniArgs === '' ? new Map<string, string>() : parseCniArgs(cniArgs, ['MAC']);
  const rc = raw.runtimeConfig?.mac ?? '';
  if (rc !== '') return ethMac(rc, 'runtimeConfig.mac');
  const env = args.get('MAC') ?? '';
  if (env !== '') return ethMac(env, 'CNI_ARGS MAC');
  const mac = raw.mac ?? '';
  return mac !== '' ? ethMac(mac, 'mac') : undefined;
}

export function parseMode(s: string | undefined): Mode {
  if (s === undefined || s === '') return 'bridge';
  if ((MODES as readonly string[]).includes(s)) return s as Mode;
  throw invalidConfig(`mode: unknown macvlan mode: ${JSON.stringify(s)} (bridge, private, vepa or passthru)`);
}

export function loadConf(rawInput: unknown, cniArgs = ''): MacvlanConf {
  const raw = parseRaw(rawInput);
  const master = raw.master ?? '';
  if (master !== '') assertIfname(master, 'master');
  const mtu = raw.mtu ?? 0;
  if (mtu < 0) throw invalidConfig(`mtu: invalid MTU ${mtu}, must not be negative`);
  const mac = pickMac(raw, cniArgs);
  return {
    raw,
    master,
    mode: parseMode(raw.mode),
    mtu,
    ...(mac ? { mac } : {}),
    linkInContainer: raw.linkInContainer ?? false,
    bcqueuelen: raw.bcqueuelen ?? 0,
    ipamType: raw.ipam?.type ?? '',
  };
}
