// bandwidth plans: the TBF parameters as the reference computes them (ifb_creator.go createTBF,
// buffer, limit), the IFB's name, the `ip`/`tc` lines of ADD with their undo, and CHECK's comparison.
import { hashWithPrefix } from '../../shared/host/hash.ts';
import { line, type PlannedLine } from '../../shared/host/iproute2.ts';
import { TIME_UNITS_PER_SEC, tbfBurstTicks, tbfSizeFor, u32, type QdiscJson } from '../../shared/host/tc.ts';

/** ifb_creator.go latencyInMillis: the queue holds 25 ms at the rate, plus the burst. */
const LATENCY_MS = 25;
const U32_MAX = 2 ** 32 - 1;

/** The kernel's TBF parameters (bytes and ticks), and the `burst` to give tc for exactly that buffer. */
export interface Tbf {
  rate: number;
  burst: number;
  /** ticks */
  buffer: number;
  limit: number;
  /** bytes for tc's `burst`: tc converts them to ticks itself, with its own rounding */
  tcBurst: number;
}

/**
 * createTBF's numbers from bits/s and bits: rate and burst in bytes, buffer = the burst's
 * transmission time in ticks, limit = 25 ms at the rate plus the burst. The reference truncates
 * each to 32 bits and lets them wrap (a burst just under 4 GiB gives a buffer of a few ms and a
 * limit of a few KB). Here a limit past 32 bits is held at 4 GiB; a buffer that does not fit, or
 * that the kernel refuses (zero), is a problem returned as a string instead.
 */
export function tbfParams(rateBits: number, burstBits: number, tick: number): Tbf | string {
  const rate = Math.floor(rateBits / 8);
  const burst = Math.floor(burstBits / 8);
  if (rate === 0) return `a rate of ${rateBits} bit/s is less than one byte per second`;
  const usec = (burst * TIME_UNITS_PER_SEC) / rate;
  const buffer = Math.trunc(Math.trunc(usec) * tick);
  if (buffer > U32_MAX) {
    return `a burst of ${burst} bytes lasts ${Math.trunc(usec)} µs at ${rate} bytes/s, more than the kernel's 32-bit buffer of ${U32_MAX} ticks (${Math.trunc(U32_MAX / tick)} µs) holds`;
  }
  if (buffer === 0) return `a burst of ${burst} bytes lasts less than a microsecond at ${rate} bytes/s; the kernel refuses a zero buffer`;
  const latency = TIME_UNITS_PER_SEC * (LATENCY_MS / 1000);
  // The queue limit only bounds memory: past 32 bits it is held at 4 GiB rather than wrapped.
  const limit = Math.min(Math.trunc((rate * latency) / TIME_UNITS_PER_SEC) + burst, U32_MAX);
  return { rate, burst, buffer, limit, tcBurst: tcBurstFor(rate, burst, buffer) };
}

/**
 * tc hands the kernel the burst in bytes and the kernel computes the buffer from it (TCA_TBF_BURST),
 * where the reference hands over the buffer itself. The size for tc is the burst when the kernel
 * arrives at the reference's buffer from it, else the size that comes nearest: exactly the
 * buffer wherever a byte lasts less than a tick (64 ns, above 15.6 MB/s), within a byte's time below.
 */
export function tcBurstFor(rate: number, burst: number, buffer: number): number {
  if (tbfBurstTicks(rate, burst) === buffer) return burst;
  const s = Math.min(tbfSizeFor(rate, buffer), U32_MAX);
  const gap = (n: number) => Math.abs(tbfBurstTicks(rate, n) - buffer);
  return s > 1 && gap(s - 1) < gap(s) ? s - 1 : Math.max(s, 1);
}

/** getIfbDeviceName: `bwp` + SHA-512 of network name and container ID, 15 characters. */
export const ifbName = (network: string, containerId: string): string => hashWithPrefix(15, 'bwp', network + containerId);

/** The IFB's alias: which network's GC may remove it (reference IFBs have none and are left alone). */
export const ifbAlias = (network: string): string | undefined => {
  const a = `cni-ts/bandwidth/${network}`;
  return Buffer.byteLength(a) < 256 ? a : undefined;
};

/** The IFB as createIfb makes it: up, the host veth's MTU, no transmit queue; then shown for its MAC. */
export function ifbLines(ifb: string, mtu: number, alias: string | undefined): PlannedLine[] {
  return [
    { line: line('link', 'add', 'name', ifb, 'mtu', mtu, 'txqlen', 0, 'up', 'type', 'ifb'), failure: 'adding link' },
    // The kernel ignores an alias given at creation.
    ...(alias ? [{ line: line('link', 'set', 'dev', ifb, 'alias', alias), failure: `setting the alias of ${ifb}` }] : []),
    { line: line('link', 'show', 'dev', ifb), failure: `get ifb device ${ifb}` },
  ];
}

const tbfTokens = (dev: string, t: Tbf) => [
  'qdisc',
  'add',
  'dev',
  dev,
  'root',
  'handle',
  '1:',
  'tbf',
  'rate',
  `${t.rate}bps`,
  'burst',
  t.tcBurst,
  'limit',
  t.limit,
];

/** One tc line of ADD, what its failure means, and the line that takes it back (none: it goes with another). */
export interface TcStep extends PlannedLine {
  undo?: string;
}

/**
 * ADD's tc script on the host, in the reference's order: TBF on the host veth (ingress shaping),
 * then the ingress qdisc on the host veth, the match-all u32 filter redirecting to the IFB, and
 * TBF on the IFB (egress shaping).
 */
export function tcSteps(host: string, ingress: Tbf | undefined, egress: Tbf | undefined, ifb: string): TcStep[] {
  const steps: TcStep[] = [];
  if (ingress)
    steps.push({ line: line(...tbfTokens(host, ingress)), failure: 'create qdisc', undo: line('qdisc', 'del', 'dev', host, 'root', 'handle', '1:') });
  if (egress) {
    steps.push(
      {
        line: line('qdisc', 'add', 'dev', host, 'handle', 'ffff:', 'ingress'),
        failure: 'create ingress qdisc',
        undo: line('qdisc', 'del', 'dev', host, 'handle', 'ffff:', 'ingress'),
      },
      {
        line: line(
          'filter',
          'add',
          'dev',
          host,
          'parent',
          'ffff:',
          'protocol',
          'all',
          'prio',
          1,
          'u32',
          'match',
          'u32',
          0,
          0,
          'flowid',
          '1:1',
          'action',
          'mirred',
          'egress',
          'redirect',
          'dev',
          ifb,
        ),
        failure: 'add filter',
      },
      { line: line(...tbfTokens(ifb, egress)), failure: 'create ifb qdisc: create qdisc' },
    );
  }
  return steps;
}

/** The undo lines for the steps before `failedAt`, last first. */
export const undoLines = (steps: readonly TcStep[], failedAt: number): string[] =>
  steps
    .slice(0, Math.max(0, failedAt))
    .flatMap((s) => (s.undo ? [s.undo] : []))
    .reverse();

/** CHECK's comparison of one device's qdiscs with the TBF the config asks for (messages as cmdCheck's). */
export function tbfProblem(qdiscs: readonly QdiscJson[], want: Tbf, dev: string): string | undefined {
  const tbf = qdiscs.find((q) => q.kind === 'tbf' && q.root);
  if (!tbf) return `Failed to find qdisc on ${dev}`;
  const o = tbf.options ?? {};
  if (o.rate !== want.rate) return `Rate doesn't match on ${dev}: ${o.rate} bytes/s, the config asks for ${want.rate}`;
  if (o.limit !== want.limit) return `Limit doesn't match on ${dev}: ${o.limit} bytes, the config asks for ${want.limit}`;
  const buffer = o.burst_raw === undefined ? undefined : u32(Number.parseInt(o.burst_raw, 16));
  if (buffer !== want.buffer) return `Buffer doesn't match on ${dev}: ${buffer} ticks, the config asks for ${want.buffer}`;
  return undefined;
}

/** Whether the host veth's ingress filters redirect to the IFB (what egress shaping hangs on). */
export function redirectsTo(filters: readonly unknown[], ifb: string): boolean {
  return filters.some((f) => {
    const acts = (f as { options?: { actions?: Array<{ kind?: string; to_dev?: string }> } }).options?.actions ?? [];
    return acts.some((a) => a.kind === 'mirred' && a.to_dev === ifb);
  });
}
