// One DHCP exchange, run by the daemon as `dhcp exchange` inside the container's namespace
// (`nsenter --net`): a request as JSON on stdin, the server's ACK (or an error) as JSON on stdout.
//
// Node has no raw packet sockets, so this speaks DHCP over a plain UDP socket on port 68. Before an
// address exists the kernel needs two routes for that: one for the limited broadcast the client
// sends, and one back to the server's source address, or it drops the server's broadcast reply.
// Both are added on the container's link for the exchange only (the default route with the largest
// metric, under any the container has) and removed afterwards. Replies are asked for by broadcast
// (the BROADCAST flag): a unicast reply to an address the link does not have yet would be dropped.
import { createSocket, type Socket } from 'node:dgram';
import { run } from '../../shared/host/exec.ts';
import { line, parseLinks } from '../../shared/host/iproute2.ts';
import type { ClientOptions } from './config.ts';
import { BOOTREQUEST, decode, encode, ipOpt, type Message, MsgType, msgType, newXid, Opt, optIp } from './packet.ts';

export interface ExchangeRequest {
  op: 'acquire' | 'renew' | 'release';
  ifname: string;
  clientId: string;
  opts: ClientOptions;
  /** how long one request waits for its answer */
  timeoutMs: number;
  /** the longest wait between resends */
  resendMaxMs: number;
  /** give up after this long */
  resendTimeoutMs: number;
  lease?: { ip: string; server: string };
}

export type ExchangeReply = { ack: string } | { released: true } | { error: string };

const ipRun = (lines: string[], opts: { json?: boolean; force?: boolean } = {}) =>
  run('ip', [...(opts.json ? ['-j'] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'], { input: `${lines.join('\n')}\n`, allowFail: true });

/** The messages' common options: type, client identifier (type 0 + the attachment's ID, as the reference), requested parameters, provided ones. */
export function baseOptions(type: number, req: Pick<ExchangeRequest, 'clientId' | 'opts'>): Map<number, Buffer> {
  const o = new Map<number, Buffer>();
  o.set(Opt.MessageType, Buffer.from([type]));
  o.set(Opt.ClientId, Buffer.concat([Buffer.from([0]), Buffer.from(req.clientId)]));
  if (req.opts.request.length) o.set(Opt.ParamRequest, Buffer.from(req.opts.request));
  for (const [code, value] of req.opts.provide) o.set(code, Buffer.from(value));
  return o;
}

export function message(
  type: number,
  req: Pick<ExchangeRequest, 'clientId' | 'opts'>,
  mac: string,
  xid: number,
  extra: { ciaddr?: string; options?: Array<[number, Buffer]> } = {},
): Message {
  const options = baseOptions(type, req);
  for (const [c, v] of extra.options ?? []) options.set(c, v);
  return {
    op: BOOTREQUEST,
    xid,
    broadcast: true,
    ciaddr: extra.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: mac,
    options,
  };
}

/** The resend delays: 2 s four times, then doubling from 4 s up to resendMax, until resendTimeout (the reference's backoffRetry, without jitter). */
export function resendDelays(resendMaxMs: number, resendTimeoutMs: number, first = 2000): number[] {
  const out: number[] = [];
  let total = 0;
  let base = 4000;
  for (let i = 0; total < resendTimeoutMs; i++) {
    const d = Math.min(i < 4 ? first : base, resendMaxMs, resendTimeoutMs - total);
    if (i >= 4 && base < resendMaxMs) base *= 2;
    out.push(d);
    total += d;
  }
  return out;
}

class Port {
  private waiters: Array<(m: Message) => boolean> = [];
  constructor(readonly sock: Socket) {
    sock.on('message', (b) => {
      const m = decode(b);
      if (m) this.waiters = this.waiters.filter((w) => !w(m));
    });
  }
  static open(address: string): Promise<Port> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: 'udp4', reuseAddr: true });
      sock.once('error', reject);
      sock.bind(68, address, () => {
        sock.setBroadcast(true);
        resolve(new Port(sock));
      });
    });
  }
  send(m: Message, to: string): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(encode(m), 67, to, (e) => (e ? reject(e) : resolve())));
  }
  /** The first reply to `xid` accepted by `want` within `ms`, or undefined. */
  wait(xid: number, want: (m: Message) => boolean, ms: number): Promise<Message | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== w2);
        resolve(undefined);
      }, ms);
      const w2 = (m: Message) => {
        if (m.xid !== xid || !want(m)) return false;
        clearTimeout(t);
        resolve(m);
        return true;
      };
      this.waiters.push(w2);
    });
  }
  close() {
    this.sock.close();
  }
}

/** Send and wait, resending on the delays, until an answer `want` accepts. */
async function ask(port: Port, m: Message, to: string, want: (m: Message) => boolean, delays: number[], timeoutMs: number): Promise<Message | undefined> {
  for (const d of delays) {
    await port.send(m, to);
    const r = await port.wait(m.xid, want, Math.min(Math.max(d, 500), timeoutMs));
    if (r) return r;
  }
  return undefined;
}

/** The link's MAC and IPv4 addresses, the link brought up when it is down (the reference does too); undefined when it does not exist. */
async function prepareLink(ifname: string): Promise<{ mac: string; addrs: string[] } | undefined> {
  const r = await ipRun([line('addr', 'show', 'dev', ifname)], { json: true });
  if (r.exitCode !== 0) return undefined;
  const l = parseLinks(JSON.parse(r.stdout || '[]') as unknown[])[0];
  if (!l?.address) return undefined;
  if (!l.flags.includes('UP')) await ipRun([line('link', 'set', 'dev', ifname, 'up')]);
  return { mac: l.address, addrs: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local) };
}

/** The exchange's own routes; returns the lines that were added (for removal). */
async function addRoutes(ifname: string): Promise<string[]> {
  const adds = [line('route', 'add', '255.255.255.255/32', 'dev', ifname), line('route', 'add', 'default', 'dev', ifname, 'metric', 4294967295)];
  const r = await ipRun(adds, { force: true });
  const failed = new Set<number>();
  for (const m of r.stderr.matchAll(/Command failed -:(\d+)/g)) failed.add(Number(m[1]) - 1);
  return adds.filter((_, i) => !failed.has(i));
}

const removeRoutes = (added: string[]) =>
  added.length
    ? ipRun(
        added.map((l) => l.replace(/^route add /, 'route del ')),
        { force: true },
      )
    : undefined;

export async function exchange(req: ExchangeRequest): Promise<ExchangeReply> {
  const link = await prepareLink(req.ifname);
  if (!link) return { error: `link "${req.ifname}" not found in the container's namespace` };
  const { mac } = link;
  const delays = resendDelays(req.resendMaxMs, req.resendTimeoutMs);
  const isType = (t: number) => (m: Message) => msgType(m) === t || msgType(m) === MsgType.NAK;
  // Renewal and release speak from the leased address, unicast to the server; without that address
  // (removed, or the link went) they fall back to broadcast from nothing, as a rebinding client does.
  let port: Port | undefined;
  let added: string[] = [];
  try {
    if (req.lease && req.op !== 'acquire' && link.addrs.includes(req.lease.ip)) port = await Port.open(req.lease.ip).catch(() => undefined);
    const unicast = port !== undefined;
    if (!port) {
      added = await addRoutes(req.ifname);
      port = await Port.open('0.0.0.0');
    }
    if (req.op === 'release' && req.lease) {
      const rel = message(MsgType.RELEASE, req, mac, newXid(), { ciaddr: req.lease.ip, options: [[Opt.ServerId, ipOpt(req.lease.server)]] });
      rel.broadcast = false;
      await port.send(rel, unicast ? req.lease.server : '255.255.255.255');
      return { released: true };
    }
    if (req.op === 'renew' && req.lease) {
      const m = message(MsgType.REQUEST, req, mac, newXid(), { ciaddr: req.lease.ip });
      m.broadcast = !unicast;
      const a = await ask(port, m, unicast ? req.lease.server : '255.255.255.255', isType(MsgType.ACK), delays.slice(0, 4), req.timeoutMs);
      if (!a) return { error: `no answer to the renewal on "${req.ifname}"` };
      if (msgType(a) === MsgType.NAK) return { error: `the server refused the renewal (DHCPNAK): ${a.options.get(Opt.Message)?.toString() ?? ''}`.trim() };
      return { ack: encode(a).toString('base64') };
    }
    const deadline = Date.now() + req.resendTimeoutMs;
    for (let tries = 0; tries < 3 && Date.now() < deadline; tries++) {
      const d = message(MsgType.DISCOVER, req, mac, newXid());
      const offer = await ask(port, d, '255.255.255.255', (m) => msgType(m) === MsgType.OFFER, delays, req.timeoutMs);
      if (!offer) break;
      const server = optIp(offer, Opt.ServerId) ?? offer.siaddr;
      const r = message(MsgType.REQUEST, req, mac, d.xid, {
        options: [
          [Opt.RequestedIP, ipOpt(offer.yiaddr)],
          [Opt.ServerId, ipOpt(server)],
        ],
      });
      const ack = await ask(port, r, '255.255.255.255', isType(MsgType.ACK), delays.slice(0, 4), req.timeoutMs);
      if (ack && msgType(ack) === MsgType.ACK) return { ack: encode(ack).toString('base64') };
      // a NAK or no answer to the request: start over
    }
    return { error: `no DHCP lease on "${req.ifname}": no answer from a DHCP server within ${Math.round(req.resendTimeoutMs / 1000)}s` };
  } finally {
    port?.close();
    await removeRoutes(added);
  }
}
