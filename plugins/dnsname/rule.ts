// The iptables rule the reference inserts when it writes dnsmasq.conf (containers/dnsname
// `files.go` checkForDNSMasqConfFile): filter INPUT, first position, accepting DNS over UDP from the
// bridge. The same rule, so either implementation finds and removes the other's; unlike the
// reference, it goes with the network's last container.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { quote, restore, saveTable } from '../../shared/host/iptables.ts';
import { confInterface, CONF_FILE } from './files.ts';
import { readText } from './store.ts';

/** The rule's match and target, as iptables-save prints them after `-A INPUT`. */
export const ruleSpec = (bridge: string): string => `-i ${quote(bridge)} -p udp -m udp --dport 53 -j ACCEPT`;

async function present(bridge: string): Promise<boolean> {
  const t = await saveTable(4, 'filter');
  return t.rules.includes(`-A INPUT ${ruleSpec(bridge)}`);
}

export async function ensureRule(bridge: string): Promise<void> {
  if (!(await present(bridge))) await restore(4, 'filter', [`-I INPUT 1 ${ruleSpec(bridge)}`]);
}

export async function removeRule(bridge: string): Promise<void> {
  if (await present(bridge)) await restore(4, 'filter', [`-D INPUT ${ruleSpec(bridge)}`]);
}

/** Whether another network's dnsmasq.conf under `root` still serves `bridge` (then its rule stays). */
export function bridgeInUseElsewhere(root: string, network: string, bridge: string): boolean {
  let nets: string[];
  try {
    nets = readdirSync(root);
  } catch {
    return false;
  }
  return nets.some((n) => n !== network && confInterface(readText(join(root, n, CONF_FILE)) ?? '') === bridge);
}
