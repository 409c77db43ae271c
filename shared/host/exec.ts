// Every external command goes through here: execa with argument arrays, never a shell.
import type { execa as Execa } from 'execa';
import { CniError, Code } from '../cni/errors.ts';

let loaded: Promise<typeof Execa> | undefined;
/**
 * execa, loaded on first use: with it come child_process, streams and a dozen more of Node's own
 * modules, which a call that runs no command (a tuning ADD with nothing to change) never needs.
 * The bundle keeps it in one file (esbuild inlines the import).
 */
export const loadExeca = (): Promise<typeof Execa> => (loaded ??= import('execa').then((m) => m.execa));

export interface RunOptions {
  /** Enter this network namespace (a path) for the command, through nsenter. */
  netns?: string;
  input?: string;
  /** Return the failure instead of throwing. */
  allowFail?: boolean;
  env?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The command itself is not installed (spawn failed with ENOENT). */
  missing?: boolean;
}

/** The command line that runs `cmd` where asked: in a namespace (nsenter), in a new one of its own (unshare), or here. */
function commandLine(cmd: string, args: readonly string[], o: { netns?: string; newNetns?: boolean }): [string, string[]] {
  if (o.netns) return ['nsenter', [`--net=${o.netns}`, '--', cmd, ...args]];
  if (o.newNetns) return ['unshare', ['--net', '--', cmd, ...args]];
  return [cmd, [...args]];
}

/** The command itself is not installed: the spawn failed with ENOENT, so there is no exit code. */
const notInstalled = (r: { failed: boolean; exitCode?: number | undefined }): boolean =>
  r.failed && r.exitCode === undefined && (r as { code?: string }).code === 'ENOENT';

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = commandLine(cmd, args, opts);
  const execa = await loadExeca();
  const r = await execa(file, argv, {
    reject: false,
    stripFinalNewline: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const res: RunResult = { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (notInstalled(r)) res.missing = true;
  if (r.failed && r.exitCode === undefined && !opts.allowFail) {
    throw new CniError(Code.Internal, `failed to run ${cmd}: ${r.message}`);
  }
  if (res.exitCode !== 0 && !opts.allowFail) {
    const where = opts.netns ? ` in ${opts.netns}` : '';
    throw commandError(`${cmd} ${args.slice(0, 3).join(' ')}${where} failed`, res);
  }
  return res;
}

/**
 * A command held open as a conversation: its input written piece by piece, its output read line by
 * line as it comes. One `ip -batch` can then show something, let the caller decide, and act on the
 * answer, where two processes would run one after the other (host-device: find the device, then
 * move it). Killed with us, it reads end-of-file and stops after the lines it was given.
 */
export interface Session {
  /** The command's process id (an unshared command's own: unshare execs it in place). */
  readonly pid: number | undefined;
  write(text: string): void;
  /** The next line of output; undefined once the output has closed (the command exited). */
  nextLine(): Promise<string | undefined>;
  /** Close the input and wait for the exit (again: the same result); stdout holds what was not read as lines. */
  end(): Promise<RunResult>;
}

export interface SessionOptions extends Pick<RunOptions, 'netns' | 'env'> {
  /** Run the command in a new network namespace of its own (`unshare --net`), gone when it exits unless something names it. */
  newNetns?: boolean;
}

export async function startSession(cmd: string, args: readonly string[], opts: SessionOptions = {}): Promise<Session> {
  const [file, argv] = commandLine(cmd, args, opts);
  const execa = await loadExeca();
  const sub = execa(file, argv, { reject: false, buffer: false, stdin: 'pipe', ...(opts.env ? { env: opts.env } : {}) });
  let out = '';
  let err = '';
  let closed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const outDone = new Promise<void>((resolve) => {
    if (!sub.stdout) return resolve();
    sub.stdout.setEncoding('utf8');
    sub.stdout.on('data', (d: string) => {
      out += d;
      poke();
    });
    sub.stdout.on('close', () => {
      closed = true;
      poke();
      resolve();
    });
  });
  sub.stderr?.setEncoding('utf8');
  sub.stderr?.on('data', (d: string) => {
    err += d;
  });
  sub.stdin?.on('error', () => undefined); // EPIPE: the command stopped early; its exit status says why
  let ended: Promise<RunResult> | undefined;
  return {
    pid: sub.pid,
    write(text) {
      if (!closed && !ended) sub.stdin?.write(text);
    },
    async nextLine() {
      for (;;) {
        const i = out.indexOf('\n');
        if (i >= 0) {
          const l = out.slice(0, i);
          out = out.slice(i + 1);
          return l;
        }
        if (closed) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    end() {
      ended ??= (async () => {
        sub.stdin?.end();
        const r = await sub;
        await outDone;
        const res: RunResult = { exitCode: r.exitCode ?? 1, stdout: out, stderr: err };
        if (notInstalled(r)) res.missing = true;
        return res;
      })();
      return ended;
    },
  };
}

/** A failed command as an error, worded in one place: "<what>: <its stderr, or its exit status>". */
export function commandError(what: string, r: RunResult): CniError {
  return new CniError(Code.Internal, `${what}: ${r.stderr.trim() || `exit status ${r.exitCode}`}`);
}

/**
 * Whether a failed command said that the object it was pointed at is not there: ip's "Cannot find
 * device" / "does not exist" / "No such device", nft's "No such file or directory".
 */
export const saysNotFound = (r: Pick<RunResult, 'stderr'>): boolean =>
  /Cannot find device|does not exist|No such device|No such file or directory/i.test(r.stderr);

/**
 * Package-time warming of the runner (see warm.ts): execa's option handling and result code run
 * once, on a path that cannot exist, so the spawn itself fails (ENOENT) and nothing is executed.
 */
export async function warmRunner(): Promise<void> {
  const nowhere = '/nonexistent/cni-ts-warm';
  await run(nowhere, ['-x'], { allowFail: true }).catch(() => undefined);
  await run(nowhere, ['-batch', '-'], { input: 'x\n', allowFail: true }).catch(() => undefined);
}
