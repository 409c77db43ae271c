// tuning configuration: the keys of containernetworking/plugins `plugins/meta/tuning/tuning.go`
// (TuningConf, IPAMArgs, MacEnvArgs), merged in the reference's order of precedence, and every value
// validated before it can reach a sysctl name, an `ip` command line or a file path.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import { pathProblem } from '../../shared/cni/validate.ts';
import { parseMac } from '../../shared/host/mac.ts';
import { sysctlKeyProblem, sysctlValueProblem } from './sysctl-key.ts';

/** tuning.go `defaultDataDir` (1.1.1 and later). */
export const DEFAULT_DATA_DIR = '/run/cni/tuning';

const mtu = int(0, 2 ** 31 - 1);
// IFLA_TXQLEN is a u32.
const txQLen = int(0, 2 ** 32 - 1);
const sysctlMap = z.record(z.string(), z.string('must be a string'));

// args.cni: every field a pointer in Go, so present (even false/""/0) overrides the top level.
const ArgsCniSchema = goObject({
  sysctl: z.optional(sysctlMap),
  mac: z.optional(z.string()),
  promisc: z.optional(z.boolean()),
  mtu: z.optional(mtu),
  allmulti: z.optional(z.boolean()),
  txQLen: z.optional(txQLen),
});

export const TuningConfSchema = goObject({
  ...baseShape,
  dataDir: z.optional(z.string()),
  sysctl: z.optional(sysctlMap),
  mac: z.optional(z.string()),
  promisc: z.optional(z.boolean()),
  mtu: z.optional(mtu),
  txQLen: z.optional(txQLen),
  allmulti: z.optional(z.boolean()),
  runtimeConfig: z.optional(goObject({ mac: z.optional(z.string()) })),
  args: z.optional(goObject({ cni: z.optional(ArgsCniSchema) })),
});
export type TuningConfRaw = z.infer<typeof TuningConfSchema>;

/** The effective settings, after CNI_ARGS, runtimeConfig and args.cni were applied. */
export interface TuningConf {
  raw: TuningConfRaw;
  dataDir: string;
  /** In the order of the config (Go iterates a map: any order is the reference's order). */
  sysctl: Array<[key: string, value: string]>;
  /** As configured (the result carries this string); `macBytes` is the parsed form. */
  mac?: string;
  macBytes?: string;
  promisc: boolean;
  /** 0 = leave alone, as in Go. */
  mtu: number;
  txQLen?: number;
  allmulti?: boolean;
}

/**
 * Decode stdin and CNI_ARGS as tuning.go parseConf does: conf, then `MAC=` from CNI_ARGS, then
 * runtimeConfig.mac, then args.cni. Values are checked here, before anything is touched. DEL uses
 * neither the MAC nor the sysctls (`forDel`): like the reference, it does not refuse them, so a
 * config ADD refused can still be deleted.
 */
export function parseTuningConf(raw: unknown, cniArgs: string, forDel = false): TuningConf {
  const c = parseConfig(TuningConfSchema, raw, 'failed to load netconf');
  const dataDir = c.dataDir === undefined || c.dataDir === '' ? DEFAULT_DATA_DIR : c.dataDir;
  const dp = pathProblem(dataDir);
  if (dp) throw invalidConfig(`dataDir: ${dp}`, dataDir);

  let mac = c.mac ?? '';
  const envMac = parseCniArgs(cniArgs, ['MAC']).get('MAC');
  if (envMac) mac = envMac;
  if (c.runtimeConfig?.mac) mac = c.runtimeConfig.mac;
  const sysctl = new Map(Object.entries(c.sysctl ?? {}));
  let promisc = c.promisc ?? false;
  let mtuV = c.mtu ?? 0;
  let allmulti = c.allmulti;
  let txq = c.txQLen;
  const a = c.args?.cni;
  if (a) {
    for (const [k, v] of Object.entries(a.sysctl ?? {})) sysctl.set(k, v);
    if (a.mac !== undefined) mac = a.mac;
    if (a.promisc !== undefined) promisc = a.promisc;
    if (a.mtu !== undefined) mtuV = a.mtu;
    if (a.allmulti !== undefined) allmulti = a.allmulti;
    if (a.txQLen !== undefined) txq = a.txQLen;
  }

  const conf: TuningConf = { raw: c, dataDir, sysctl: [...sysctl], promisc, mtu: mtuV };
  if (forDel) return conf;
  if (mac !== '') {
    const bytes = parseMac(mac);
    if (!bytes) throw invalidConfig(`mac: invalid MAC address ${JSON.stringify(mac)}`, mac);
    conf.mac = mac;
    conf.macBytes = bytes;
  }
  if (allmulti !== undefined) conf.allmulti = allmulti;
  if (txq !== undefined) conf.txQLen = txq;
  for (const [k, v] of conf.sysctl) {
    const kp = sysctlKeyProblem(k);
    if (kp) throw invalidConfig(`sysctl: key ${JSON.stringify(k)}: ${kp}`, k);
    const vp = sysctlValueProblem(v);
    if (vp) throw invalidConfig(`sysctl: value of ${JSON.stringify(k)}: ${vp}`, v);
  }
  return conf;
}

/** Whether ADD changes link attributes (and so saves the originals first), as tuning.go decides. */
export const touchesLink = (c: TuningConf): boolean => c.mac !== undefined || c.mtu !== 0 || c.promisc || c.allmulti !== undefined || c.txQLen !== undefined;
