// Package-time warming of firewall's pure path (see shared/cni/warm.ts): config, prevResult's
// addresses, the iptables plans of every verb, the per-attachment record.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { parseSave } from '../../shared/host/iptables.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { bridgeOf, hostAddrs, parseFirewallConf, requirePrev } from './config.ts';
import { checkProblem, planAdd, planDel, planDeleteRules } from './plan.ts';
import { parse } from './state.ts';

const DUMP = ':CNI-FORWARD - [0:0]\n:CNI-ADMIN - [0:0]\n-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD\n';

export function warm(): void {
  for (const [v, extra] of [
    ['1.1.0', { ingressPolicy: 'same-bridge' }],
    ['0.4.0', { backend: 'iptables', iptablesAdminChainName: 'MY-ADMIN' }],
    ['1.0.0', { backend: 'firewalld', firewalldZone: 'internal' }],
    ['1.1.0', { ingressPolicy: 'x', backend: 'y' }],
  ] as const) {
    attempt(() => {
      const conf = parseFirewallConf({ cniVersion: v, name: 'warm', type: 'firewall', ...extra, prevResult: formatResult(WARM_RESULT, v) }, v);
      const addrs = hostAddrs(requirePrev(conf));
      const dump = parseSave(DUMP);
      const what = { admin: 'CNI-ADMIN', bridge: bridgeOf(conf) };
      planAdd(addrs, what, dump);
      checkProblem(addrs, what, dump);
      planDel(addrs, new Set(), dump);
      planDeleteRules(['-A CNI-FORWARD -s 10.250.0.2/32 -j ACCEPT'], dump);
    });
  }
  attempt(() => parseFirewallConf({ cniVersion: '1.1.0', name: 'warm', type: 'firewall' }, '1.1.0'));
  attempt(() => parse('{"containerID":"warm","ifname":"eth0","backend":"iptables","addrs":[{"family":4,"cidr":"10.250.0.2/32"}]}'));
}
