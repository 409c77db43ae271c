// iproute2: plans written as `ip -batch` scripts (one process per namespace), and `ip -j` output.
import * as z from 'zod/mini';
import { run, startSession, type RunResult, type Session } from './exec.ts';
import { batchToken } from '../cni/validate.ts';
import { CniError, Code } from '../cni/errors.ts';

/** One batch line from validated tokens: nothing can smuggle a second command into the script. */
export const line = (...tokens: (string | number)[]): string => tokens.map(batchToken).join(' ');

export const AddrInfoSchema = z.looseObject({
  family: z.string(),
  local: z.string(),
  prefixlen: z.number(),
  scope: z.optional(z.string()),
  tentative: z.optional(z.boolean()),
  dadfailed: z.optional(z.boolean()),
});
export const LinkSchema = z.looseObject({
  ifindex: z.number(),
  ifname: z.string(),
  flags: z._default(z.array(z.string()), []),
  mtu: z.optional(z.number()),
  operstate: z.optional(z.string()),
  master: z.optional(z.string()),
  link_type: z.optional(z.string()),
  address: z.optional(z.string()),
  link: z.optional(z.nullable(z.string())),
  link_index: z.optional(z.number()),
  link_netnsid: z.optional(z.number()),
  promiscuity: z.optional(z.number()),
  linkinfo: z.optional(
    z.looseObject({
      info_kind: z.optional(z.string()),
      info_data: z.optional(z.looseObject({})),
      info_slave_kind: z.optional(z.string()),
      info_slave_data: z.optional(z.looseObject({})),
    }),
  ),
  addr_info: z.optional(z.array(AddrInfoSchema)),
});
export type Link = z.infer<typeof LinkSchema>;
export type AddrInfo = z.infer<typeof AddrInfoSchema>;

export const RouteJsonSchema = z.looseObject({
  dst: z.string(),
  gateway: z.optional(z.string()),
  dev: z.optional(z.string()),
  metric: z.optional(z.number()),
  protocol: z.optional(z.string()),
  scope: z.optional(z.string()),
  table: z.optional(z.union([z.string(), z.number()])),
  flags: z.optional(z.array(z.string())),
  prefsrc: z.optional(z.string()),
  type: z.optional(z.string()),
  pref: z.optional(z.string()),
});
export type RouteJson = z.infer<typeof RouteJsonSchema>;

/** `ip -j -batch` prints one JSON array per command that has output, one per line. */
export function parseJsonLines(stdout: string): unknown[][] {
  const out: unknown[][] = [];
  for (const l of stdout.split('\n')) {
    const t = l.trim();
    if (!t) continue;
    try {
      const v = JSON.parse(t) as unknown;
      out.push(Array.isArray(v) ? v : [v]);
    } catch {
      throw new CniError(Code.Internal, `unexpected output from ip: ${t.slice(0, 200)}`);
    }
  }
  return out;
}

export interface BatchOptions {
  netns?: string;
  json?: boolean;
  /** ip -4 / -6: the family of `rule` commands and of what `show` lists (a batch line cannot carry it). */
  family?: 4 | 6;
  /** ip -N: tables, protocols, scopes and route types as numbers, as the kernel has them. */
  numeric?: boolean;
  /** ip -d: kind-specific details (veth peer, bridge port flags, ...). */
  details?: boolean;
  /** Keep going past failing lines (ip -force); failures are then reported in stderr only. */
  force?: boolean;
  allowFail?: boolean;
}

/** A batch's run, with its JSON outputs one array per showing command ([] without -j). */
export type BatchResult = RunResult & { outputs: unknown[][] };

/** Run a batch script in one ip process; JSON outputs come back one array per showing command. */
export async function ipBatch(lines: readonly string[], opts: BatchOptions = {}): Promise<BatchResult> {
  const args = [
    ...(opts.family ? [`-${opts.family}`] : []),
    ...(opts.numeric ? ['-N'] : []),
    ...(opts.details ? ['-d'] : []),
    ...(opts.json ? ['-j'] : []),
    ...(opts.force ? ['-force'] : []),
    '-batch',
    '-',
  ];
  const r = await run('ip', args, { input: `${lines.join('\n')}\n`, allowFail: true, ...(opts.netns ? { netns: opts.netns } : {}) });
  if (r.exitCode !== 0 && !opts.allowFail) {
    throw new CniError(Code.Internal, r.stderr.trim().replace(/\n/g, '; ') || `ip -batch failed with exit status ${r.exitCode}`);
  }
  return { ...r, outputs: opts.json ? parseJsonLines(r.stdout) : [] };
}

/**
 * One `ip -batch` process as a conversation (exec.ts startSession): `show` runs a showing line and
 * returns its JSON before anything else is written, so the caller can decide on it and then
 * `finish` with lines acting on the answer — a lookup and what follows it in one process. Opened
 * ahead and finished later, it is a batch whose process start-up was paid while the caller waited
 * on something else.
 */
export interface IpSession {
  /** The ip process's id (for `netns attach`, naming its namespace). */
  readonly pid: number | undefined;
  /** A showing line's JSON output; undefined when it failed (the batch has then stopped: `finish` tells why). */
  show(line: string): Promise<unknown[] | undefined>;
  /** Write the remaining lines (none to just close; a second call only waits) and wait; a failure's batchFailure index counts these lines only. */
  finish(lines: readonly string[]): Promise<BatchResult>;
}

export async function ipSession(opts: Pick<BatchOptions, 'netns' | 'details'> & { newNetns?: boolean } = {}): Promise<IpSession> {
  const s: Session = await startSession('ip', [...(opts.details ? ['-d'] : []), '-j', '-batch', '-'], {
    ...(opts.netns ? { netns: opts.netns } : {}),
    ...(opts.newNetns ? { newNetns: true } : {}),
  });
  let sent = 0;
  return {
    pid: s.pid,
    async show(l) {
      s.write(`${l}\n`);
      sent++;
      const out = await s.nextLine();
      return out === undefined ? undefined : (parseJsonLines(out)[0] ?? []);
    },
    async finish(lines) {
      if (lines.length) s.write(`${lines.join('\n')}\n`);
      const r = await s.end();
      // "Command failed -:N" counts every line of the conversation; the caller's plan starts after the shows.
      const stderr = r.stderr.replace(/Command failed -:(\d+)/, (_, n: string) => `Command failed -:${Number(n) - sent}`);
      return { ...r, stderr, outputs: r.exitCode === 0 ? parseJsonLines(r.stdout) : [] };
    },
  };
}

export const parseLinks = (arr: unknown[]): Link[] => arr.map((l) => LinkSchema.parse(l));
export const parseRoutes = (arr: unknown[]): RouteJson[] => arr.map((r) => RouteJsonSchema.parse(r));

export const RuleJsonSchema = z.looseObject({
  priority: z.optional(z.number()),
  src: z.optional(z.string()),
  srclen: z.optional(z.number()),
  table: z.optional(z.string()),
});
export type RuleJson = z.infer<typeof RuleJsonSchema>;
export const parseRules = (arr: unknown[]): RuleJson[] => arr.map((r) => RuleJsonSchema.parse(r));

/** One planned batch line and what its failure means to the caller ("failed to create bridge …"). */
export interface PlannedLine {
  line: string;
  failure: string;
}

/** Where a batch stopped: the line that failed (0-based, -1 when unknown) and the kernel's message. */
export interface BatchFailure {
  index: number;
  message: string;
}

/** The failed line of an `ip -batch` run from its "Command failed -:N", and its first real error line. */
export function batchFailure(stderr: string): BatchFailure {
  const m = /Command failed -:(\d+)/.exec(stderr);
  const message =
    stderr
      .split('\n')
      .find((l) => l.trim() !== '' && !l.startsWith('Command failed'))
      ?.trim() ?? stderr.trim();
  return { index: m ? Number(m[1]) - 1 : -1, message };
}

/** A failed planned batch: which line stopped it, and the error naming that line's meaning and the kernel's message. */
export interface PlanFailure {
  index: number;
  error: CniError;
}

export function planFailure(plan: readonly PlannedLine[], stderr: string, tool = 'ip'): PlanFailure {
  const f = batchFailure(stderr);
  const what = plan[f.index]?.failure ?? plan[0]?.failure ?? `${tool} -batch failed`;
  return { index: f.index, error: new CniError(Code.Internal, `${what}: ${f.message}`) };
}

/** Run planned lines in one ip process; a failure is the failed line's own meaning plus the kernel's message. */
export async function ipPlan(plan: readonly PlannedLine[], opts: Omit<BatchOptions, 'allowFail'> = {}) {
  const r = await ipBatch(
    plan.map((p) => p.line),
    { ...opts, allowFail: true },
  );
  if (r.exitCode === 0) return r;
  throw planFailure(plan, r.stderr).error;
}
