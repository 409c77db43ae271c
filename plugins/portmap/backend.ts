// Which backend runs when the configuration names none: iptables unless it is unusable here and
// nftables works (the latest reference's choice); the iptables probe is the nat-table read itself.
import { nftUsable } from '../../shared/nftables.ts';
import type { TableDump } from '../../shared/iptables.ts';
import type { Backend, PortmapConf } from './config.ts';

export async function resolveBackend(conf: PortmapConf, iptablesDump: TableDump | undefined): Promise<Backend> {
  if (conf.backend) return conf.backend;
  if (iptablesDump) return 'iptables';
  return (await nftUsable()) ? 'nftables' : 'iptables';
}
