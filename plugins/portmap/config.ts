// portmap configuration: keys decoded as Go does (case-insensitive), validated before any value can
// reach an iptables-restore or nft script, plus the container IPs taken from prevResult.
import * as z from 'zod/mini';
import { isV4, parseIp, type Family } from '../../shared/host/addr.ts';
import type { Backend } from '../../shared/host/iptables.ts';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, goStruct, parseConfig, int } from '../../shared/cni/schema.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';

export const DEFAULT_MARK_BIT = 13;

export const PortMappingSchema = goStruct({
  // Go decodes into int: no fractions; ≤0 is rejected below with the reference's wording.
  hostPort: z._default(int(), 0),
  containerPort: z._default(int(), 0),
  protocol: z._default(z.string(), ''),
  hostIP: z.optional(z.string()),
});
export type PortMapping = z.infer<typeof PortMappingSchema>;

const RuntimeSchema = goObject({ portMappings: z.optional(z.array(PortMappingSchema)) });

export const PortmapConfSchema = goObject({
  ...baseShape,
  runtimeConfig: z.optional(RuntimeSchema),
  snat: z.optional(z.boolean()),
  masqAll: z.optional(z.boolean()),
  markMasqBit: z.optional(int()),
  externalSetMarkChain: z.optional(z.string()),
  conditionsV4: z.optional(z.array(z.string())),
  conditionsV6: z.optional(z.array(z.string())),
  backend: z.optional(z.string()),
});
export type PortmapConfRaw = z.infer<typeof PortmapConfSchema>;

export interface ContainerIp {
  family: Family;
  /** Address without prefix. */
  ip: string;
  /** Address with its prefix as in prevResult (iptables `-s` matches the container's subnet). */
  cidr: string;
}

export interface PortmapConf {
  name: string;
  cniVersion: string;
  mappings: PortMapping[];
  snat: boolean;
  masqAll: boolean;
  markMasqBit: number;
  externalSetMarkChain?: string;
  conditionsV4?: string[];
  conditionsV6?: string[];
  /** Chosen explicitly or implied by options; undefined = choose by what works on this host. */
  backend?: Backend;
  prevResult?: Result;
  raw: PortmapConfRaw;
}

// Both backends know these three (nft has no generic `<proto> dport`); case as Go's iptables took it.
const PROTOCOL = /^(tcp|udp|sctp)$/i;
// iptables chain names: up to 28 characters, nothing the restore parser could read as syntax.
const CHAIN = /^[A-Za-z0-9_.+-]{1,28}$/;
// A condition token goes into an iptables-restore line (quoted) or an nft statement (raw): it may
// not end the line/statement, open a comment or a string.
const CONDITION_BAD = /[\x00-\x1f\x7f;#"'\\`]/;

function checkHostIp(hostIP: string | undefined, i: number): void {
  if (hostIP === undefined || hostIP === '') return;
  // Go's net.ParseIP: dotted quads only (ipaddr.js would also take "1.2.3" or octal "010.1.1.1"
  // and map them to a different address), IPv6 without a zone.
  if (!parseIp(hostIP)) {
    throw invalidConfig(`runtimeConfig.portMappings[${i}].hostIP: invalid IP address "${hostIP}"`);
  }
}

/** Which backend the options imply (containernetworking/plugins `plugins/meta/portmap/main.go` ensureBackend): externalSetMarkChain or `-`/`!` conditions → iptables. */
export function impliedBackend(c: Pick<PortmapConfRaw, 'externalSetMarkChain' | 'conditionsV4' | 'conditionsV6'>): {
  backend?: Backend;
  nftKeys: string[];
  iptKeys: string[];
} {
  const iptKeys: string[] = [];
  const nftKeys: string[] = [];
  if (c.externalSetMarkChain !== undefined) iptKeys.push('externalSetMarkChain');
  for (const k of ['conditionsV4', 'conditionsV6'] as const) {
    const first = c[k]?.[0];
    if (first === undefined) continue;
    if (first.startsWith('-') || first.startsWith('!')) iptKeys.push(k);
    else nftKeys.push(k);
  }
  if (iptKeys.length && nftKeys.length) {
    throw invalidConfig(`configuration mixes iptables-specific options [${iptKeys.join(' ')}] with nftables-specific options [${nftKeys.join(' ')}]`);
  }
  return { backend: iptKeys.length ? 'iptables' : nftKeys.length ? 'nftables' : undefined, nftKeys, iptKeys };
}

export function selectBackend(c: PortmapConfRaw): Backend | undefined {
  const implied = impliedBackend(c);
  if (c.backend === undefined) return implied.backend;
  if (c.backend !== 'iptables' && c.backend !== 'nftables') throw invalidConfig(`unrecognized backend "${c.backend}"`);
  if (c.backend === 'iptables' && implied.nftKeys.length) {
    throw invalidConfig(`iptables backend was requested but configuration contains nftables-specific options [${implied.nftKeys.join(' ')}]`);
  }
  if (c.backend === 'nftables' && implied.iptKeys.length) {
    throw invalidConfig(`nftables backend was requested but configuration contains iptables-specific options [${implied.iptKeys.join(' ')}]`);
  }
  return c.backend;
}

/** Parse and validate; errors carry the reference's "failed to parse config: " prefix. */
export function parsePortmapConf(raw: unknown, cniVersion: string): PortmapConf {
  try {
    return parseInner(raw, cniVersion);
  } catch (e) {
    if (e instanceof CniError) throw new CniError(e.code, `failed to parse config: ${e.message}`, e.details);
    throw e;
  }
}

function parseInner(raw: unknown, cniVersion: string): PortmapConf {
  const c = parseConfig(PortmapConfSchema, raw);
  if (c.markMasqBit !== undefined && c.externalSetMarkChain !== undefined) {
    throw invalidConfig('Cannot specify externalSetMarkChain and markMasqBit');
  }
  const markMasqBit = c.markMasqBit ?? DEFAULT_MARK_BIT;
  if (markMasqBit < 0 || markMasqBit > 31) throw invalidConfig('MasqMarkBit must be between 0 and 31');
  if (c.externalSetMarkChain !== undefined && !CHAIN.test(c.externalSetMarkChain)) {
    throw invalidConfig(`externalSetMarkChain: invalid chain name "${c.externalSetMarkChain}"`);
  }
  for (const k of ['conditionsV4', 'conditionsV6'] as const) {
    c[k]?.forEach((t, i) => {
      if (t === '' || CONDITION_BAD.test(t)) throw invalidConfig(`${k}[${i}]: invalid condition token ${JSON.stringify(t)}`);
    });
  }
  const mappings = c.runtimeConfig?.portMappings ?? [];
  mappings.forEach((m, i) => {
    if (m.containerPort <= 0) throw invalidConfig(`Invalid container port number: ${m.containerPort}`);
    if (m.hostPort <= 0) throw invalidConfig(`Invalid host port number: ${m.hostPort}`);
    if (m.containerPort > 65535) throw invalidConfig(`Invalid container port number: ${m.containerPort}`);
    if (m.hostPort > 65535) throw invalidConfig(`Invalid host port number: ${m.hostPort}`);
    if (!PROTOCOL.test(m.protocol)) throw invalidConfig(`runtimeConfig.portMappings[${i}].protocol: invalid protocol "${m.protocol}" (want tcp, udp or sctp)`);
    checkHostIp(m.hostIP, i);
  });
  const backend = selectBackend(c);
  return {
    name: c.name,
    cniVersion,
    mappings,
    snat: c.snat ?? true,
    masqAll: c.masqAll ?? false,
    markMasqBit,
    ...(c.externalSetMarkChain !== undefined ? { externalSetMarkChain: c.externalSetMarkChain } : {}),
    ...(c.conditionsV4 ? { conditionsV4: c.conditionsV4 } : {}),
    ...(c.conditionsV6 ? { conditionsV6: c.conditionsV6 } : {}),
    ...(backend ? { backend } : {}),
    ...(() => {
      const p = prevResultOf(c, cniVersion);
      return p ? { prevResult: p } : {};
    })(),
    raw: c,
  };
}

/**
 * The container's first IPv4 and first IPv6 address from prevResult: IPs whose interface index
 * names another interface (or one without a sandbox) are skipped; IPs without index are taken.
 */
export function containerIps(prev: Result | undefined, ifname: string): ContainerIp[] {
  const out = new Map<Family, ContainerIp>();
  const ifaces = prev?.interfaces ?? [];
  for (const ipc of prev?.ips ?? []) {
    const [addr, len] = ipc.address.split('/') as [string, string | undefined];
    // parseIp takes IPv4-mapped IPv6 addresses as IPv4, as Go's To4() does.
    const parsed = parseIp(addr);
    if (!parsed) continue;
    const family: Family = isV4(parsed) ? 4 : 6;
    if (out.has(family)) continue;
    if (ipc.interface !== undefined && ipc.interface >= 0 && ipc.interface < ifaces.length) {
      const itf = ifaces[ipc.interface]!;
      if (itf.name !== ifname || !itf.sandbox) continue;
    }
    const ip = parsed.toString();
    out.set(family, { family, ip, cidr: `${ip}/${len ?? (family === 4 ? 32 : 128)}` });
  }
  return [...out.values()].sort((a, b) => a.family - b.family);
}

/** Whether a mapping's hostIP lets it apply to this family (no hostIP: both). */
export function hostIpFamily(hostIP: string | undefined): Family | undefined {
  if (!hostIP) return undefined;
  const p = parseIp(hostIP);
  return p && isV4(p) ? 4 : 6;
}

/** hostIP normalised, or undefined when absent or unspecified (0.0.0.0 / ::). */
export function specificHostIp(hostIP: string | undefined): string | undefined {
  if (!hostIP) return undefined;
  const p = parseIp(hostIP);
  if (!p || p.range() === 'unspecified') return undefined;
  return p.toString();
}

export function requirePrev(conf: PortmapConf): Result {
  if (!conf.prevResult) throw new CniError(Code.Internal, 'must be called as chained plugin');
  return conf.prevResult;
}
