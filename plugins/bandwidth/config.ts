// bandwidth configuration: the keys of containernetworking/plugins `plugins/meta/bandwidth/main.go`
// (BandwidthEntry, PluginConf), the reference's precedence between the top level and
// `runtimeConfig.bandwidth`, its validation, and ours: every shaping the kernel cannot represent is
// refused here, before anything is touched.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, goStruct, int, parseConfig } from '../../shared/cni/schema.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import { tbfParams, type Tbf } from './plan.ts';

// uint64 in Go; JSON numbers past 2^53 lose their last digits in JavaScript, so they are refused.
const bits = int(0, Number.MAX_SAFE_INTEGER);
const ENTRY = {
  ingressRate: z.optional(bits),
  ingressBurst: z.optional(bits),
  egressRate: z.optional(bits),
  egressBurst: z.optional(bits),
};
const ENTRY_KEYS = Object.keys(ENTRY).map((k) => k.toLowerCase());

export const BandwidthConfSchema = goObject({
  ...baseShape,
  ...ENTRY,
  runtimeConfig: z.optional(goObject({ bandwidth: z.optional(goStruct(ENTRY)) })),
});
export type BandwidthConfRaw = z.infer<typeof BandwidthConfSchema>;

export interface Direction {
  /** bits per second and bits, as configured */
  rate: number;
  burst: number;
  /** what the kernel gets; undefined when this direction is not shaped */
  tbf?: Tbf;
}

export interface BandwidthConf {
  raw: BandwidthConfRaw;
  ingress: Direction;
  egress: Direction;
}

export const isZero = (c: BandwidthConf): boolean => c.ingress.rate === 0 && c.ingress.burst === 0 && c.egress.rate === 0 && c.egress.burst === 0;

/**
 * Go decodes the four keys into an embedded pointer that any of them allocates, `null` included;
 * once allocated, the top level wins over runtimeConfig even where it is all zero (getBandwidth).
 */
const topLevelPresent = (raw: Record<string, unknown>): boolean => Object.keys(raw).some((k) => ENTRY_KEYS.includes(k.toLowerCase()));

function direction(at: string, prefix: 'ingress' | 'egress', rate: number, burst: number, tick: number): Direction {
  // validateRateAndBurst's order and messages, with the field named.
  if (burst === 0 && rate !== 0) throw invalidConfig(`${at}${prefix}Rate: if rate is set, burst must also be set`);
  if (rate === 0 && burst !== 0) throw invalidConfig(`${at}${prefix}Burst: if burst is set, rate must also be set`);
  if (Math.floor(burst / 8) >= 2 ** 32 - 1) throw invalidConfig(`${at}${prefix}Burst: burst cannot be more than 4GB`);
  const d: Direction = { rate, burst };
  if (rate === 0) return d;
  const t = tbfParams(rate, burst, tick);
  if (typeof t === 'string') throw invalidConfig(`${at}${prefix}Rate/${prefix}Burst: ${t}`);
  d.tbf = t;
  return d;
}

/**
 * Decode and validate stdin as parseConfig/getBandwidth/validateRateAndBurst do. `tick` is the
 * scheduler's ticks per microsecond (shared/host/tc.ts tickInUsec): the kernel parameters are
 * computed with it and refused when they cannot be represented. DEL and GC decode the types only.
 */
export function parseBandwidthConf(raw: Record<string, unknown>, tick: number): BandwidthConf {
  const c = parseConfig(BandwidthConfSchema, raw, 'failed to parse network configuration');
  const top = topLevelPresent(raw);
  const e = top ? c : c.runtimeConfig?.bandwidth;
  const at = top ? '' : 'runtimeConfig.bandwidth.';
  return {
    raw: c,
    ingress: direction(at, 'ingress', e?.ingressRate ?? 0, e?.ingressBurst ?? 0, tick),
    egress: direction(at, 'egress', e?.egressRate ?? 0, e?.egressBurst ?? 0, tick),
  };
}
