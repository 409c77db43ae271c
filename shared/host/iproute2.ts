// iproute2: plans written as `ip -batch` scripts (one process per namespace), and `ip -j` output.
import * as z from 'zod/mini';
import { run } from './exec.ts';
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
  /** ip -d: kind-specific details (veth peer, bridge port flags, ...). */
  details?: boolean;
  /** ip -4 / -6: the family of every line (a batch line cannot choose its own). */
  family?: 4 | 6;
  /** Keep going past failing lines (ip -force); failures are then reported in stderr only. */
  force?: boolean;
  allowFail?: boolean;
}

/** Run a batch script in one ip process; JSON outputs come back one array per showing command. */
export async function ipBatch(lines: readonly string[], opts: BatchOptions = {}) {
  const args = [
    ...(opts.family ? [`-${opts.family}`] : []),
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

export const parseLinks = (arr: unknown[]): Link[] => arr.map((l) => LinkSchema.parse(l));
export const parseRoutes = (arr: unknown[]): RouteJson[] => arr.map((r) => RouteJsonSchema.parse(r));

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

/** Run planned lines in one ip process; a failure is the failed line's own meaning plus the kernel's message. */
export async function ipPlan(plan: readonly PlannedLine[]) {
  const r = await ipBatch(
    plan.map((p) => p.line),
    { allowFail: true },
  );
  if (r.exitCode === 0) return r;
  const f = batchFailure(r.stderr);
  const what = plan[f.index]?.failure ?? plan[0]?.failure ?? 'ip -batch failed';
  throw new CniError(Code.Internal, `${what}: ${f.message}`);
}
