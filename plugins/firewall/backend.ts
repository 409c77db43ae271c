// Which backend serves a call: the configured one, else firewalld when it answers on the system
// bus, else iptables (the reference's getBackend).
import type { FirewallBackend, FirewallConf } from './config.ts';
import { firewalldRunning } from './firewalld.ts';

export async function resolveBackend(conf: FirewallConf): Promise<FirewallBackend> {
  if (conf.backend) return conf.backend;
  return (await firewalldRunning()) ? 'firewalld' : 'iptables';
}
