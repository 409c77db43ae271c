// One port mapper per call, chosen once (containernetworking/plugins `plugins/meta/portmap`
// PortMapper): iptables or nftables. When the configuration names none, iptables runs unless it
// is unusable here and nftables works (the latest reference's choice); the iptables probe is the
// nat-table read itself, whose dumps the iptables mapper then plans from.
import { nftUsable } from '../../shared/host/nftables.ts';
import type { ContainerIp, PortmapConf } from './config.ts';
import { iptablesMapper, trySave } from './iptables.ts';
import { nftMapper } from './nftables.ts';
import type { Family } from '../../shared/host/addr.ts';

export interface PortMapper {
  /** ADD: publish the mappings on the container's addresses; a failure leaves nothing of this call. */
  forward(conf: PortmapConf, cid: string, cips: readonly ContainerIp[]): Promise<void>;
  /** DEL: remove this container's rules (found by name or comment) and flush their UDP conntrack entries. */
  unforward(conf: PortmapConf, cid: string): Promise<void>;
  /** CHECK: throws naming the first missing chain or rule. */
  check(conf: PortmapConf, cid: string, cips: readonly ContainerIp[]): Promise<void>;
  /** GC: this network's rules of containers not in `keep`; nothing when the backend is unusable here. */
  gc(net: string, keep: readonly string[]): Promise<void>;
}

/**
 * The mapper for this call. `families` are the nat tables to read; iptables counts as usable when
 * the first of them could be read (ADD, CHECK) or any of them (`probe: 'any'`, DEL).
 */
export async function mapperFor(conf: PortmapConf, families: readonly Family[], probe: 'first' | 'any' = 'first'): Promise<PortMapper> {
  if (conf.backend === 'nftables') return nftMapper;
  const dumps = await Promise.all(families.map((f) => trySave(f)));
  const usable = probe === 'first' ? dumps[0] !== undefined : dumps.some((d) => d !== undefined);
  if (!conf.backend && !usable && (await nftUsable())) return nftMapper;
  return iptablesMapper(new Map(families.map((f, i) => [f, dumps[i]])));
}

/** The host ports of the UDP mappings (their conntrack entries are flushed). */
export const udpPorts = (conf: PortmapConf): number[] => conf.mappings.filter((m) => m.protocol.toLowerCase() === 'udp').map((m) => m.hostPort);

/** GC: the configured mapper, or both (either may hold rules of this network). */
export const gcMappers = (conf: PortmapConf): PortMapper[] =>
  conf.backend === 'nftables' ? [nftMapper] : conf.backend === 'iptables' ? [iptablesMapper(new Map())] : [iptablesMapper(new Map()), nftMapper];
