// Which masquerade backend ADD uses (bridge, ptp `ipMasqBackend`): the configured one, else
// iptables unless only nft works (containernetworking/plugins `pkg/ip/ipmasq_linux.go`
// SetupIPMasqForNetworks). Probed from the file system first, so the usual case costs no process.
import { existsSync } from 'node:fs';
import { invalidConfig } from '../cni/errors.ts';
import { usable, type Backend } from './iptables.ts';
import { nftUsable } from './nftables.ts';

/** `ipMasqBackend` from a config: "iptables", "nftables" or absent; anything else is the reference's error. */
export function parseMasqBackend(v: string | undefined): Backend | undefined {
  if (v === undefined) return undefined;
  if (v !== 'iptables' && v !== 'nftables') throw invalidConfig(`unknown ipmasq backend "${v}"`);
  return v;
}

const onPath = (cmd: string): boolean => (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d !== '' && existsSync(`${d}/${cmd}`));

export async function chooseBackend(configured: Backend | undefined): Promise<Backend> {
  if (configured) return configured;
  if (onPath('iptables-restore')) return 'iptables';
  if (await nftUsable()) return 'nftables';
  return (await usable(4)) ? 'iptables' : 'nftables';
}
