// A lease as the daemon keeps it (in memory and on disk), made from the server's ACK, and the CNI
// result it gives (containernetworking/plugins `plugins/ipam/dhcp/lease.go` Routes, commit).
import type { Result, Route } from '../../shared/cni/result.ts';
import { classlessRoutes, maskBits, type Message, Opt, optIp, optU32, staticRoutes } from './packet.ts';
import type { ClientOptions } from './config.ts';

export interface Lease {
  clientId: string;
  containerId: string;
  network: string;
  netns: string;
  ifname: string;
  ip: string;
  prefix: number;
  router?: string;
  server: string;
  /** seconds */
  leaseTime: number;
  t1: number;
  t2: number;
  /** ms since the epoch when the ACK arrived */
  boundAt: number;
  routes: Route[];
  opts: ClientOptions;
  priority: number;
}

const DEFAULT_LEASE = 3600;

/** The fields of an ACK a lease keeps; undefined when it lacks what a lease needs. */
export function fromAck(
  ack: Message,
  base: Omit<Lease, 'ip' | 'prefix' | 'router' | 'server' | 'leaseTime' | 't1' | 't2' | 'boundAt' | 'routes'>,
  now: number,
): Lease {
  const leaseTime = optU32(ack, Opt.LeaseTime) ?? DEFAULT_LEASE;
  const mask = optIp(ack, Opt.SubnetMask);
  const prefix = (mask ? maskBits(mask) : undefined) ?? classfulPrefix(ack.yiaddr);
  const router = optIp(ack, Opt.Router);
  const routes: Route[] = [];
  const classless = ack.options.get(Opt.ClasslessRoutes);
  // RFC 3442: with classless routes the router option and option 33 are ignored.
  const c = classless ? classlessRoutes(classless) : [];
  if (c.length) {
    for (const r of c) routes.push(r.gw === '0.0.0.0' ? { dst: r.dst, scope: 253 } : { dst: r.dst, gw: r.gw });
  } else {
    const st = ack.options.get(Opt.StaticRoutes);
    if (st) for (const r of staticRoutes(st)) routes.push({ dst: r.dst, gw: r.gw });
    if (router) routes.push({ dst: '0.0.0.0/0', gw: router });
  }
  return {
    ...base,
    ip: ack.yiaddr,
    prefix,
    ...(router ? { router } : {}),
    server: optIp(ack, Opt.ServerId) ?? ack.siaddr,
    leaseTime,
    t1: optU32(ack, Opt.RenewalTime) ?? Math.floor(leaseTime / 2),
    t2: optU32(ack, Opt.RebindingTime) ?? Math.floor((leaseTime * 85) / 100),
    boundAt: now,
    routes,
  };
}

function classfulPrefix(ip: string): number {
  const a = Number(ip.split('.')[0]);
  return a < 128 ? 8 : a < 192 ? 16 : 24;
}

/** The CNI result of a lease: one address with the router as gateway, its routes with the configured priority. */
export function leaseResult(l: Lease): Result {
  return {
    ips: [{ address: `${l.ip}/${l.prefix}`, ...(l.router ? { gateway: l.router } : {}) }],
    ...(l.routes.length ? { routes: l.routes.map((r) => (l.priority ? { ...r, priority: l.priority } : r)) } : {}),
  };
}

/** When the lease must be renewed, rebound, or is gone (ms since the epoch). */
export const renewAt = (l: Lease): number => l.boundAt + l.t1 * 1000;
export const rebindAt = (l: Lease): number => l.boundAt + l.t2 * 1000;
export const expiresAt = (l: Lease): number => l.boundAt + l.leaseTime * 1000;
