// Thin execa wrapper shared by the harness: argument arrays only (never a
// shell), never rejects, always returns exit code + both output streams.

import { execa } from 'execa';

export interface ExecResult {
  /** Exit code; -1 when the process could not be spawned or was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
  signal?: string;
  timedOut: boolean;
  /** Set when spawning failed (ENOENT…), so callers can tell "not run" from "failed". */
  spawnError?: string;
}

export interface ExecOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  /** When false, the child sees only `env` (default: inherit process.env). */
  extendEnv?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

export async function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await execa(file, [...args], {
    reject: false,
    input: opts.input ?? '',
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    timeout: opts.timeoutMs ?? 30_000,
    // A hung child must not outlive the test: escalate to SIGKILL quickly.
    forceKillAfterDelay: 2_000,
    cwd: opts.cwd,
    stripFinalNewline: false,
    encoding: 'utf8',
    shell: false,
  });
  const spawnFailed = r.exitCode === undefined && r.signal === undefined && r.failed;
  return {
    code: r.exitCode ?? -1,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    signal: r.signal,
    timedOut: r.timedOut,
    spawnError: spawnFailed ? r.message : undefined,
  };
}

/** Like run() but throws with full context when the command exits non-zero. */
export async function must(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `command failed (${r.spawnError ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`)}): ` + `${[file, ...args].join(' ')}\n${r.stderr.trim()}`,
    );
  }
  return r.stdout;
}
