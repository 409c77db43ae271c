// `dhcp daemon`: holds the leases of every attachment that uses dhcp IPAM, renews them at T1,
// rebinds at T2, and answers the plugin over a unix socket (ipam/dhcp/protocol.ts). Leases are kept
// on disk too, so a restarted daemon picks them up and renews them (the reference forgets them:
// containernetworking/plugins #235, #767). Each DHCP exchange is a short process inside the
// container's namespace (ipam/dhcp/exchange.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { run } from '../../shared/host/exec.ts';
import { netnsState } from '../../shared/host/netns.ts';
import type { Result } from '../../shared/cni/result.ts';
import { clientId, clientOptions, DEFAULT_SOCKET, loadConf } from './config.ts';
import type { ExchangeReply, ExchangeRequest } from './exchange.ts';
import { expiresAt, fromAck, type Lease, leaseResult, rebindAt, renewAt } from './lease.ts';
import { decode } from './packet.ts';
import { type DaemonRequest, type DaemonReply, readLine } from './protocol.ts';

export interface DaemonFlags {
  socketPath: string;
  pidfile: string;
  hostPrefix: string;
  broadcast: boolean;
  timeoutMs: number;
  resendMaxMs: number;
  resendTimeoutMs: number;
  stateDir: string;
}

/** A Go duration ("10s", "1m30s", "250ms", "2h"). */
export function parseDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    i = re.lastIndex;
  }
  return i > 0 ? total : undefined;
}

/** The reference's flags (Go flag syntax: -name value, -name=value, --name; booleans alone), plus -statedir. */
export function parseFlags(argv: readonly string[]): DaemonFlags {
  const f: DaemonFlags = {
    socketPath: DEFAULT_SOCKET,
    pidfile: '',
    hostPrefix: '',
    broadcast: false,
    timeoutMs: 10_000,
    resendMaxMs: 62_000,
    resendTimeoutMs: 208_000,
    stateDir: '/var/lib/cni/dhcp',
  };
  const strings = { socketpath: 'socketPath', pidfile: 'pidfile', hostprefix: 'hostPrefix', statedir: 'stateDir' } as const;
  const durations = { timeout: 'timeoutMs', resendmax: 'resendMaxMs', resendtimeout: 'resendTimeoutMs' } as const;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--?([a-z]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument "${a}"`);
    const name = m[1]!;
    if (name === 'broadcast') {
      f.broadcast = m[2] === undefined ? true : /^(1|t|true)$/i.test(m[2]);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: -${name}`);
    if (name in strings) f[strings[name as keyof typeof strings]] = value;
    else if (name in durations) {
      const ms = parseDuration(value);
      if (ms === undefined) throw new Error(`invalid value "${value}" for flag -${name}: not a duration`);
      f[durations[name as keyof typeof durations]] = ms;
    } else throw new Error(`flag provided but not defined: -${name}`);
  }
  for (const [k, v] of [
    ['socketpath', f.socketPath],
    ['statedir', f.stateDir],
  ] as const)
    if (!v.startsWith('/')) throw new Error(`-${k}: "${v}" is not an absolute path`);
  if (f.pidfile && !f.pidfile.startsWith('/')) throw new Error(`Error writing pidfile "${f.pidfile}": path not absolute`);
  return f;
}

/** How the daemon runs an exchange: this executable again, inside the namespace. */
function selfCommand(): string[] {
  let sea = false;
  try {
    sea = (process.getBuiltinModule?.('node:sea') as { isSea(): boolean } | undefined)?.isSea() ?? false;
  } catch {
    sea = false;
  }
  return sea ? [process.execPath] : [process.execPath, process.argv[1]!];
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);

export class Daemon {
  private readonly leases = new Map<string, Lease>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly self = selfCommand();
  constructor(readonly flags: DaemonFlags) {}

  /** Operations on one attachment, and exchanges in one namespace, run one at a time. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private file(id: string): string {
    return join(this.flags.stateDir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`);
  }

  private save(l: Lease): void {
    mkdirSync(this.flags.stateDir, { recursive: true, mode: 0o700 });
    const f = this.file(l.clientId);
    writeFileSync(`${f}.tmp`, JSON.stringify(l));
    renameSync(`${f}.tmp`, f);
  }

  private forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.leases.delete(id);
    rmSync(this.file(id), { force: true });
  }

  private async exchange(netns: string, req: ExchangeRequest): Promise<ExchangeReply> {
    const path = this.flags.hostPrefix + netns;
    return this.serial(`ns:${path}`, async () => {
      if (netnsState(path) !== 'ok') return { error: `failed to open netns "${path}": no such namespace` };
      const r = await run('nsenter', [`--net=${path}`, '--', ...this.self, 'exchange'], { input: JSON.stringify(req), allowFail: true });
      try {
        return JSON.parse(r.stdout) as ExchangeReply;
      } catch {
        return { error: `DHCP exchange failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit status ${r.exitCode}`}` };
      }
    });
  }

  private request(l: Pick<Lease, 'ifname' | 'clientId' | 'opts'>, op: ExchangeRequest['op'], lease?: Lease): ExchangeRequest {
    return {
      op,
      ifname: l.ifname,
      clientId: l.clientId,
      opts: l.opts,
      timeoutMs: this.flags.timeoutMs,
      resendMaxMs: this.flags.resendMaxMs,
      resendTimeoutMs: this.flags.resendTimeoutMs,
      ...(lease ? { lease: { ip: lease.ip, server: lease.server } } : {}),
    };
  }

  private bind(base: Omit<Lease, 'ip' | 'prefix' | 'router' | 'server' | 'leaseTime' | 't1' | 't2' | 'boundAt' | 'routes'>, reply: ExchangeReply): Lease {
    if (!('ack' in reply)) throw new CniError(Code.Internal, 'error' in reply ? reply.error : 'unexpected DHCP exchange reply');
    const ack = decode(Buffer.from(reply.ack, 'base64'));
    if (!ack) throw new CniError(Code.Internal, 'malformed DHCPACK');
    const l = fromAck(ack, base, Date.now());
    this.leases.set(l.clientId, l);
    this.save(l);
    this.schedule(l);
    return l;
  }

  private schedule(l: Lease): void {
    clearTimeout(this.timers.get(l.clientId));
    const now = Date.now();
    const at = now < renewAt(l) ? renewAt(l) : now < expiresAt(l) ? now + Math.min(60_000, Math.max(1000, (expiresAt(l) - now) / 2)) : now;
    const t = setTimeout(() => void this.serial(l.clientId, () => this.maintain(l.clientId)), Math.min(at - now, 2 ** 31 - 1));
    this.timers.set(l.clientId, t);
  }

  /** T1: renew with the server; after T2: rebind (a new exchange); at expiry or once the link is gone: stop. */
  private async maintain(id: string): Promise<void> {
    const l = this.leases.get(id);
    if (!l) return;
    const now = Date.now();
    const base = { ...l };
    if (netnsState(this.flags.hostPrefix + l.netns) !== 'ok') {
      log(`${id}: namespace ${l.netns} is gone, lease maintenance stops`);
      return this.forget(id);
    }
    const reply = await this.exchange(l.netns, this.request(l, now < rebindAt(l) ? 'renew' : 'acquire', l));
    if ('error' in reply && /not found in the container/.test(reply.error)) {
      log(`${id}: link ${l.ifname} is gone, lease maintenance stops`);
      return this.forget(id);
    }
    try {
      const n = this.bind(base, reply);
      log(`${id}: lease ${n.ip} renewed, expires ${new Date(expiresAt(n)).toISOString()}`);
    } catch (e) {
      log(`${id}: ${(e as Error).message}`);
      if (Date.now() >= expiresAt(l)) {
        log(`${id}: lease expired`);
        return this.forget(id);
      }
      this.schedule(l);
    }
  }

  async handle(req: DaemonRequest): Promise<Result | undefined> {
    if (req.method === 'status') return undefined;
    const conf = loadConf(JSON.parse(req.stdin));
    if (req.method === 'gc') return this.gc(conf.name, req.valid ?? []);
    const id = clientId(req.containerId, conf.name, req.ifname);
    return this.serial(id, async () => {
      const have = this.leases.get(id);
      if (req.method === 'release') {
        if (have) {
          this.forget(id);
          // The release comes from the leased address when it is still there (the reference's comes from 0.0.0.0 and is ignored: #1278).
          const r = await this.exchange(have.netns, this.request(have, 'release', have));
          if ('error' in r) log(`${id}: release: ${r.error}`);
        }
        return undefined;
      }
      if (req.method === 'check') {
        if (!have) throw new CniError(Code.Internal, `no DHCP lease held for ${id}`);
        if (have.netns !== req.netns) throw new CniError(Code.Internal, `the DHCP lease of ${id} belongs to namespace ${have.netns}`);
        return leaseResult(have);
      }
      // allocate: an existing lease of this attachment is returned as it is.
      if (have && have.netns === req.netns) return leaseResult(have);
      const base = {
        clientId: id,
        containerId: req.containerId,
        network: conf.name,
        netns: req.netns,
        ifname: req.ifname,
        opts: clientOptions(conf.ipam, req.args),
        priority: conf.ipam.priority ?? 0,
      };
      const l = this.bind(base, await this.exchange(req.netns, this.request(base, 'acquire')));
      log(`${id}: lease ${l.ip} acquired, expires ${new Date(expiresAt(l)).toISOString()}`);
      return leaseResult(l);
    });
  }

  private async gc(network: string, valid: ReadonlyArray<{ containerID: string; ifname: string }>): Promise<undefined> {
    const keep = new Set(valid.map((a) => clientId(a.containerID, network, a.ifname)));
    for (const l of [...this.leases.values()]) {
      if (l.network !== network || keep.has(l.clientId)) continue;
      await this.handle({
        method: 'release',
        containerId: l.containerId,
        netns: l.netns,
        ifname: l.ifname,
        args: '',
        stdin: JSON.stringify({ name: network, ipam: { type: 'dhcp' } }),
      });
    }
    return undefined;
  }

  /** Leases from an earlier run: kept and renewed when their namespace is still there. */
  restore(): void {
    let files: string[] = [];
    try {
      files = readdirSync(this.flags.stateDir).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    for (const f of files) {
      try {
        const l = JSON.parse(readFileSync(join(this.flags.stateDir, f), 'utf8')) as Lease;
        if (netnsState(this.flags.hostPrefix + l.netns) !== 'ok' || Date.now() >= expiresAt(l)) {
          rmSync(join(this.flags.stateDir, f), { force: true });
          continue;
        }
        this.leases.set(l.clientId, l);
        this.schedule(l);
        log(`${l.clientId}: lease ${l.ip} restored`);
      } catch {
        rmSync(join(this.flags.stateDir, f), { force: true });
      }
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}

/** A socket file nobody answers on is a leftover of a daemon that died: removed. One that answers is another daemon. */
async function clearStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`Error getting listener: another process is listening on ${path}`);
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}

function serveConnection(d: Daemon, sock: Socket): void {
  readLine(sock)
    .then(async (line) => {
      let reply: DaemonReply;
      try {
        const req = JSON.parse(line) as DaemonRequest;
        const result = await d.handle(req);
        reply = { ok: true, ...(result ? { result } : {}) };
      } catch (e) {
        const err = e instanceof CniError ? e : new CniError(Code.Internal, (e as Error).message);
        reply = { ok: false, code: err.code, msg: err.message };
      }
      sock.end(`${JSON.stringify(reply)}\n`);
    })
    .catch(() => sock.destroy());
}

export async function runDaemon(argv: readonly string[]): Promise<void> {
  let flags: DaemonFlags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const d = new Daemon(flags);
  const server: Server = createServer((s) => serveConnection(d, s));
  const activated = process.env.LISTEN_FDS === '1' && (process.env.LISTEN_PID === undefined || Number(process.env.LISTEN_PID) === process.pid);
  const socketPath = flags.hostPrefix + flags.socketPath;
  try {
    if (flags.pidfile) writeFileSync(flags.pidfile, String(process.pid));
    if (activated) {
      await new Promise<void>((resolve, reject) => server.listen({ fd: 3 }, resolve).once('error', reject));
    } else {
      if (process.env.LISTEN_FDS && process.env.LISTEN_FDS !== '0' && process.env.LISTEN_FDS !== '1')
        throw new Error(`Too many (${process.env.LISTEN_FDS}) FDs passed through socket activation`);
      mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
      await clearStaleSocket(socketPath);
      await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
    }
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  d.restore();
  log(`listening on ${activated ? 'the socket passed by systemd' : socketPath}`);
  const shutdown = () => {
    d.stop();
    server.close();
    if (!activated) rmSync(socketPath, { force: true });
    if (flags.pidfile) rmSync(flags.pidfile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
