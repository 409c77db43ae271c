// The plugin skeleton: CNI_COMMAND dispatch, checks in Go skel's order, results and errors on stdout.
import { readSync } from 'node:fs';
import * as z from 'zod/mini';
import { CniError, Code, asCniError } from './errors.ts';
import { readEnv, type CniEnv } from './env.ts';
import { CURRENT_VERSION, MIN_VERSION, assertSupported, atLeast } from './version.ts';
import { formatResult, printJson, type Result } from './result.ts';
import { goObject } from './schema.ts';
import { linkInProcess } from './linked.ts';
import { isValidId } from './validate.ts';
import { isOwnNetns, netnsProblem } from '../host/netns.ts';
import { preamble, type Launch, type PluginVerb } from './preamble.ts';
import { attempt, warmProtocol, WARM_NETNS, WARM_RESULT } from './warm.ts';
import { warmRunner } from '../host/exec.ts';

export interface Ctx {
  env: CniEnv;
  /** stdin exactly as received: delegates (IPAM) get the same bytes. */
  stdin: string;
  /** stdin parsed as a JSON object. */
  raw: Record<string, unknown>;
  cniVersion: string;
  name: string;
}

export interface Plugin {
  /** Used in the "about" text printed when CNI_COMMAND is absent. */
  name: string;
  add(ctx: Ctx): Promise<Result>;
  del(ctx: Ctx): Promise<void>;
  check(ctx: Ctx): Promise<void>;
  status?(ctx: Ctx): Promise<void>;
  gc?(ctx: Ctx): Promise<void>;
  /** The plugin's pure path on representative inputs, run at package time (shared/cni/warm.ts). */
  warm?(): void;
  /** IPAM plugins of this build linked in: delegating to one runs it in this process (linked.ts). */
  linked?: Plugin[];
  /** Subcommands (`dhcp daemon`): run instead of the CNI protocol when the first argument names one. */
  commands?: Record<string, (args: string[]) => Promise<void>>;
}

/** What one call reads and writes: the process's own in production, fakes in unit tests. */
export interface Io {
  env: NodeJS.ProcessEnv;
  /** stdin to EOF (read only for verbs that take a configuration). */
  readStdin(): string;
  stdout(s: string): void;
  stderr(s: string): void;
}

const HeaderSchema = goObject({ cniVersion: z.optional(z.string()), name: z.optional(z.unknown()) });

function readStdin(): string {
  // Read to EOF. The runtime's pipe may be non-blocking and still empty when we start (seen under
  // load with many concurrent calls): EAGAIN means "not yet", so wait briefly and read again.
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  const deadline = Date.now() + 10_000;
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
        continue;
      }
      // No stdin at all (closed, or nothing ever written) reads as empty.
      if (code === 'EAGAIN' || code === 'EOF' || code === 'ENXIO' || code === 'EBADF') break;
      throw new CniError(Code.IoFailure, `error reading from stdin: ${(e as Error).message}`);
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function decodeConfig(stdin: string): { raw: Record<string, unknown>; cniVersion: string; name: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(Code.DecodingFailure, `error unmarshall network config: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CniError(Code.DecodingFailure, 'error unmarshall network config: the configuration must be a JSON object');
  }
  const h = HeaderSchema.safeParse(raw);
  if (!h.success) throw new CniError(Code.DecodingFailure, 'error unmarshall network config: cniVersion must be a string');
  const name = h.data.name;
  if (name === undefined || name === '') throw new CniError(Code.InvalidNetworkConfig, 'missing network name');
  if (typeof name !== 'string') throw new CniError(Code.InvalidNetworkConfig, 'name: must be a string');
  if (!isValidId(name)) throw new CniError(Code.InvalidNetworkConfig, 'invalid characters found in network name', name);
  return { raw: raw as Record<string, unknown>, cniVersion: h.data.cniVersion ?? '', name };
}

async function dispatch(plugin: Plugin, verb: PluginVerb, io: Io, setVersion: (v: string) => void): Promise<string> {
  const env = readEnv(verb, io.env);
  const stdin = io.readStdin();
  const { raw, cniVersion, name } = decodeConfig(stdin);
  assertSupported(cniVersion);
  setVersion(cniVersion === '' ? '0.1.0' : cniVersion);
  const min = MIN_VERSION[verb];
  if (min && !atLeast(cniVersion, min)) {
    throw new CniError(Code.IncompatibleCniVersion, `config version does not allow ${verb}`);
  }
  const attach = verb === 'ADD' || verb === 'DEL' || verb === 'CHECK';
  // Another namespace type, a FIFO, a socket or a device: refused before any plugin touches anything.
  const nsProblem = attach && env.netns !== '' ? netnsProblem(env.netns) : undefined;
  if (nsProblem) throw new CniError(Code.InvalidEnvironmentVariables, `CNI_NETNS: ${nsProblem}`, env.netns);
  if (attach && env.netns !== '' && isOwnNetns(env.netns) && !/^(1|true)$/i.test(io.env.CNI_NETNS_OVERRIDE ?? '')) {
    throw new CniError(Code.InvalidNetNS, "plugin's netns and netns from CNI_NETNS should not be the same", env.netns);
  }
  return execute(plugin, verb, { env, stdin, raw, cniVersion, name });
}

/** Run one verb of a plugin on a validated context; the printed output (empty but for ADD). */
export async function execute(plugin: Plugin, verb: PluginVerb, ctx: Ctx): Promise<string> {
  switch (verb) {
    case 'ADD': {
      const result = await plugin.add(ctx);
      try {
        return printJson(formatResult(result, ctx.cniVersion));
      } catch (e) {
        // The result cannot be expressed in the config's version: undo, so a failed ADD leaves nothing.
        await plugin.del(ctx).catch(() => undefined);
        throw e;
      }
    }
    case 'DEL':
      await plugin.del(ctx);
      return '';
    case 'CHECK':
      await plugin.check(ctx);
      return '';
    case 'STATUS':
      await plugin.status?.(ctx);
      return '';
    case 'GC':
      await plugin.gc?.(ctx);
      return '';
  }
}

/** Package time only: run the call path before the code cache is taken (see warm.ts). */
async function warmAll(plugin: Plugin): Promise<void> {
  warmProtocol();
  for (const stdin of ['{"cniVersion":"1.1.0","name":"warm","type":"warm"}', '{"cniVersion":"0.3.1","name":"warm"}', '{}', '[', '{"name":"a b"}']) {
    attempt(() => decodeConfig(stdin));
  }
  attempt(() => isOwnNetns(WARM_NETNS));
  attempt(() => netnsProblem(WARM_NETNS));
  plugin.warm?.();
  for (const p of plugin.linked ?? []) p.warm?.();
  await warmRunner();
  // The skeleton itself, on a stand-in plugin and fake I/O: nothing reaches the real plugin or stdout.
  const stub: Plugin = { name: 'warm', add: async () => WARM_RESULT, del: async () => undefined, check: async () => undefined };
  const env = { CNI_CONTAINERID: 'warm', CNI_NETNS: WARM_NETNS, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' };
  // DEL with no namespace reaches the stand-in's verb; ADD and CHECK stop at the absent namespace.
  const calls: Array<[string, string, string]> = [
    ['VERSION', '', WARM_NETNS],
    ['ADD', '{"cniVersion":"1.1.0","name":"warm","type":"warm"}', WARM_NETNS],
    ['DEL', '{"cniVersion":"0.4.0","name":"warm"}', ''],
    ['CHECK', '{"cniVersion":"1.0.0","name":"warm"}', WARM_NETNS],
    ['BOGUS', '', WARM_NETNS],
    ['', '', WARM_NETNS],
  ];
  for (const [cmd, stdin, netns] of calls) {
    await serve(stub, { env: { ...env, CNI_COMMAND: cmd, CNI_NETNS: netns }, readStdin: () => stdin, stdout: () => undefined, stderr: () => undefined }).catch(
      () => undefined,
    );
  }
}

/**
 * One call, in Go skel's order: CNI_COMMAND, the environment, stdin, the config's version, the
 * namespace, then the verb. Prints the result (ADD), or the error in the config's version; returns
 * the exit code.
 */
export async function serve(plugin: Plugin, io: Io): Promise<number> {
  const cmd = io.env.CNI_COMMAND ?? '';
  // The same answers as the launcher's (launch.ts), which gives them without loading the plugin.
  const verb = preamble(plugin.name, cmd);
  if (typeof verb === 'object') {
    (verb.fd === 1 ? io.stdout : io.stderr)(verb.text);
    return verb.code;
  }
  let version = CURRENT_VERSION;
  try {
    const out = await dispatch(plugin, verb, io, (v) => (version = v));
    if (out) io.stdout(out);
    return 0;
  } catch (e) {
    io.stdout(printJson(asCniError(e).toJSON(version)));
    return 1;
  }
}

/**
 * The launcher's hand-over (launch.ts): build/bundle.ts defines it as the bundle wrapper's last
 * parameter. Undefined unbundled and when the bundle runs alone.
 */
declare const CNI_TS_LAUNCH: Launch | undefined;

/** Entry point of every plugin executable. */
export async function runPlugin(plugin: Plugin): Promise<void> {
  for (const p of plugin.linked ?? []) linkInProcess(p);
  const launch = typeof CNI_TS_LAUNCH === 'object' ? CNI_TS_LAUNCH : undefined;
  // Package time (build/warm.ts): run the call path on samples, then the code cache is taken.
  if (launch?.warm) {
    launch.name = plugin.name;
    await warmAll(plugin);
    return;
  }
  // The arguments and the environment are read here, at run time: never warming's.
  const [sub, ...rest] = process.argv.slice(2);
  const command = sub === undefined ? undefined : plugin.commands?.[sub];
  if (command) return command(rest);
  process.exitCode = await serve(plugin, {
    env: process.env,
    readStdin,
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  });
  // Fast exit once stdout is flushed: nothing else is left running, and waiting for the runtime's
  // own teardown would only add its milliseconds to every call. A large output to a pipe is
  // written asynchronously: exiting before its callback would cut it off.
  process.stdout.write('', () => process.exit());
}
