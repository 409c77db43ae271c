// tc (iproute2 traffic control): `tc -batch` scripts, one process per namespace, `tc -j` output,
// and the kernel's packet-scheduler clock (/proc/net/psched) that tc and netlink both convert with.
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { run } from './exec.ts';
import { parseJsonLines, planFailure, type PlanFailure, type PlannedLine } from './iproute2.ts';
import { CniError, Code } from '../cni/errors.ts';

export interface TcOptions {
  netns?: string;
  json?: boolean;
  /** tc -raw: TBF shows its limit and raw buffer (ticks), which CHECK compares. */
  raw?: boolean;
  /** Keep going past failing lines (tc -force). */
  force?: boolean;
}

/** Run a script in one tc process; the exit status and stderr come back, JSON outputs one array per showing line. */
export async function tcBatch(lines: readonly string[], opts: TcOptions = {}) {
  const args = [...(opts.json ? ['-j'] : []), ...(opts.raw ? ['-r'] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'];
  const r = await run('tc', args, { input: `${lines.join('\n')}\n`, allowFail: true, ...(opts.netns ? { netns: opts.netns } : {}) });
  return { ...r, outputs: opts.json && r.exitCode === 0 ? parseJsonLines(r.stdout) : [] };
}

/** Run planned lines in one tc process; undefined on success, else which line failed and why. */
export async function tcPlan(plan: readonly PlannedLine[], netns?: string): Promise<PlanFailure | undefined> {
  const r = await tcBatch(
    plan.map((p) => p.line),
    netns ? { netns } : {},
  );
  return r.exitCode === 0 ? undefined : planFailure(plan, r.stderr, 'tc');
}

export const QdiscJsonSchema = z.looseObject({
  kind: z.string(),
  handle: z.optional(z.string()),
  root: z.optional(z.boolean()),
  parent: z.optional(z.string()),
  options: z.optional(
    z.looseObject({
      rate: z.optional(z.number()),
      burst: z.optional(z.union([z.number(), z.string()])),
      /** tc -raw: the TBF buffer in ticks, hex. */
      burst_raw: z.optional(z.string()),
      limit: z.optional(z.number()),
    }),
  ),
});
export type QdiscJson = z.infer<typeof QdiscJsonSchema>;
export const parseQdiscs = (arr: unknown[]): QdiscJson[] => arr.map((q) => QdiscJsonSchema.parse(q));

/** tc's and the kernel's microseconds per second (TIME_UNITS_PER_SEC). */
export const TIME_UNITS_PER_SEC = 1_000_000;

/** The packet scheduler's ticks per microsecond, from /proc/net/psched as tc (tc_core_init) and Go's netlink read it. */
export function parsePsched(text: string): number {
  const [a, us2t, clockRes] = text
    .trim()
    .split(/\s+/)
    .map((h) => Number.parseInt(h, 16));
  if (!a || !us2t || !clockRes) throw new CniError(Code.Internal, `unexpected /proc/net/psched content: ${text.trim().slice(0, 80)}`);
  // Old kernels with a nanosecond clock advertise a multiplier of 1000 that really is 1.
  const t2us = clockRes === 1_000_000_000 ? us2t : a;
  return (t2us / us2t) * (clockRes / TIME_UNITS_PER_SEC);
}

export function tickInUsec(): number {
  let text: string;
  try {
    text = readFileSync('/proc/net/psched', 'latin1');
  } catch (e) {
    throw new CniError(Code.Internal, `failed to read /proc/net/psched: ${(e as Error).message}`);
  }
  return parsePsched(text);
}

/** C's (unsigned) cast of a non-negative double on x86-64: truncation, then the low 32 bits. */
export const u32 = (x: number): number => Number(BigInt.asUintN(32, BigInt(Math.trunc(x))));

/** The kernel's reciprocal of a rate (psched_ratecfg_precompute): ns = (bytes · mult) >> shift. */
function reciprocal(rateBytes: number): [mult: bigint, shift: bigint] {
  const rate = BigInt(rateBytes);
  let factor = 1_000_000_000n;
  let shift = 0n;
  for (;;) {
    const mult = factor / rate;
    if (mult & (1n << 31n) || factor & (1n << 63n)) return [mult, shift];
    factor <<= 1n;
    shift++;
  }
}

/** The scheduler's time unit: 2^6 ns (PSCHED_SHIFT). */
const PSCHED_SHIFT = 6n;

/**
 * The TBF buffer, in ticks, that the kernel derives from tc's `burst SIZE` at `rate` bytes/s: tc
 * sends the size (TCA_TBF_BURST) and the kernel converts it with its reciprocal multiply
 * (psched_l2t_ns), which can land a tick below the exact quotient.
 */
export function tbfBurstTicks(rateBytes: number, size: number): number {
  const [mult, shift] = reciprocal(rateBytes);
  return Number(((BigInt(size) * mult) >> shift) >> PSCHED_SHIFT);
}

/** The smallest size for which tbfBurstTicks reaches `ticks` (it grows with the size). */
export function tbfSizeFor(rateBytes: number, ticks: number): number {
  const [mult, shift] = reciprocal(rateBytes);
  const ns = (BigInt(ticks) << PSCHED_SHIFT) << shift;
  return Number((ns + mult - 1n) / mult);
}
