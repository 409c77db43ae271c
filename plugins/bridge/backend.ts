// Which masquerade backend ADD uses when ipMasqBackend is unset: iptables unless only nft works
// (containernetworking/plugins `pkg/ip/ipmasq_linux.go` SetupIPMasqForNetworks). Probed from the file system first, so the usual case costs no process.
import { existsSync } from 'node:fs';
import { usable, type Backend } from '../../shared/host/iptables.ts';
import { nftUsable } from '../../shared/host/nftables.ts';

const onPath = (cmd: string): boolean => (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d !== '' && existsSync(`${d}/${cmd}`));

export async function chooseBackend(configured: Backend | undefined): Promise<Backend> {
  if (configured) return configured;
  if (onPath('iptables-restore')) return 'iptables';
  if (await nftUsable()) return 'nftables';
  return (await usable(4)) ? 'iptables' : 'nftables';
}
