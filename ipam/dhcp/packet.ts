// DHCPv4 messages (RFC 2131, options RFC 2132, classless routes RFC 3442): encoding and decoding,
// pure. The daemon's exchange process sends and receives them over UDP inside the container's
// namespace (ipam/dhcp/exchange.ts).
import { randomBytes } from 'node:crypto';

export const MAGIC = 0x63825363;
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

export const MsgType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
export type MsgTypeName = keyof typeof MsgType;

export const Opt = {
  SubnetMask: 1,
  Router: 3,
  DNS: 6,
  HostName: 12,
  DomainName: 15,
  StaticRoutes: 33,
  RequestedIP: 50,
  LeaseTime: 51,
  MessageType: 53,
  ServerId: 54,
  ParamRequest: 55,
  Message: 56,
  RenewalTime: 58,
  RebindingTime: 59,
  ClassId: 60,
  ClientId: 61,
  ClasslessRoutes: 121,
} as const;

export interface Message {
  op: number;
  xid: number;
  /** seconds since the client began */
  secs?: number;
  broadcast: boolean;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  chaddr: string;
  /** option code → raw value; order kept */
  options: Map<number, Buffer>;
}

const ip4 = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const ip4Bytes = (s: string): number[] => s.split('.').map(Number);

export const newXid = (): number => randomBytes(4).readUInt32BE(0);

/** A message as bytes: the fixed 236-byte header, the magic cookie, the options, END, padded to 300. */
export function encode(m: Message): Buffer {
  const head = Buffer.alloc(240);
  head[0] = m.op;
  head[1] = 1; // ethernet
  head[2] = 6;
  head.writeUInt32BE(m.xid >>> 0, 4);
  head.writeUInt16BE(m.secs ?? 0, 8);
  head.writeUInt16BE(m.broadcast ? 0x8000 : 0, 10);
  Buffer.from(ip4Bytes(m.ciaddr)).copy(head, 12);
  Buffer.from(ip4Bytes(m.yiaddr)).copy(head, 16);
  Buffer.from(ip4Bytes(m.siaddr)).copy(head, 20);
  Buffer.from(ip4Bytes(m.giaddr)).copy(head, 24);
  Buffer.from(m.chaddr.split(':').map((h) => Number.parseInt(h, 16))).copy(head, 28);
  head.writeUInt32BE(MAGIC, 236);
  const opts: Buffer[] = [];
  for (const [code, value] of m.options) {
    // Long values are split into several instances of the option (RFC 3396).
    for (let i = 0; i < Math.max(value.length, 1); i += 255) {
      const part = value.subarray(i, i + 255);
      opts.push(Buffer.from([code, part.length]), part);
    }
  }
  opts.push(Buffer.from([255]));
  const out = Buffer.concat([head, ...opts]);
  return out.length >= 300 ? out : Buffer.concat([out, Buffer.alloc(300 - out.length)]);
}

/** A message from bytes; undefined when it is not a BOOTP/DHCP message at all. */
export function decode(b: Buffer): Message | undefined {
  if (b.length < 240 || b.readUInt32BE(236) !== MAGIC) return undefined;
  const options = new Map<number, Buffer>();
  let i = 240;
  while (i < b.length) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || i + 2 + len > b.length) return undefined;
    const v = b.subarray(i + 2, i + 2 + len);
    const prev = options.get(code);
    options.set(code, prev ? Buffer.concat([prev, v]) : Buffer.from(v));
    i += 2 + len;
  }
  const hlen = Math.min(b[2] ?? 6, 16);
  return {
    op: b[0]!,
    xid: b.readUInt32BE(4),
    secs: b.readUInt16BE(8),
    broadcast: (b.readUInt16BE(10) & 0x8000) !== 0,
    ciaddr: ip4(b, 12),
    yiaddr: ip4(b, 16),
    siaddr: ip4(b, 20),
    giaddr: ip4(b, 24),
    chaddr: [...b.subarray(28, 28 + hlen)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    options,
  };
}

export const msgType = (m: Message): number | undefined => m.options.get(Opt.MessageType)?.[0];
export const optIp = (m: Message, code: number): string | undefined => {
  const v = m.options.get(code);
  return v && v.length >= 4 ? ip4(v, 0) : undefined;
};
export const optIps = (m: Message, code: number): string[] => {
  const v = m.options.get(code);
  const out: string[] = [];
  for (let i = 0; v && i + 4 <= v.length; i += 4) out.push(ip4(v, i));
  return out;
};
export const optU32 = (m: Message, code: number): number | undefined => {
  const v = m.options.get(code);
  return v && v.length >= 4 ? v.readUInt32BE(0) : undefined;
};
export const ipOpt = (ip: string): Buffer => Buffer.from(ip4Bytes(ip));

/** The prefix length of a dotted subnet mask (contiguous ones), or undefined. */
export function maskBits(mask: string): number | undefined {
  const n = ip4Bytes(mask).reduce((a, x) => a * 256 + x, 0);
  for (let bits = 0; bits <= 32; bits++) {
    const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if (m === n) return bits;
  }
  return undefined;
}

export interface DhcpRoute {
  dst: string;
  gw: string;
}

/** Option 121 (RFC 3442): width, significant octets of the destination, router. */
export function classlessRoutes(v: Buffer): DhcpRoute[] {
  const out: DhcpRoute[] = [];
  let i = 0;
  while (i < v.length) {
    const width = v[i]!;
    if (width > 32) break;
    const n = Math.ceil(width / 8);
    if (i + 1 + n + 4 > v.length) break;
    const dst = [0, 0, 0, 0];
    for (let k = 0; k < n; k++) dst[k] = v[i + 1 + k]!;
    out.push({ dst: `${dst.join('.')}/${width}`, gw: ip4(v, i + 1 + n) });
    i += 1 + n + 4;
  }
  return out;
}

/** The classful mask of a destination (option 33 carries no mask: the reference's classfulSubnet). */
function classfulBits(ip: string): number {
  const a = Number(ip.split('.')[0]);
  if (a < 128) return 8;
  if (a < 192) return 16;
  return 24;
}

/** Option 33: pairs of destination and router, destinations with their classful mask. */
export function staticRoutes(v: Buffer): DhcpRoute[] {
  const out: DhcpRoute[] = [];
  for (let i = 0; i + 8 <= v.length; i += 8) {
    const dst = ip4(v, i);
    out.push({ dst: `${dst}/${classfulBits(dst)}`, gw: ip4(v, i + 4) });
  }
  return out;
}
