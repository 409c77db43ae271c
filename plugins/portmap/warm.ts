// Package-time warming of portmap's pure path (see shared/cni/warm.ts): config, both backends' plans.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { parseSave } from '../../shared/host/iptables.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { containerIps, parsePortmapConf, requirePrev } from './config.ts';
import { checkProblem, planAdd as planIptables, planDel, planGc } from './iptables-plan.ts';
import { planAdd as planNft } from './nft-plan.ts';

export function warm(): void {
  const mappings = [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
  ];
  for (const [v, extra] of [
    ['1.1.0', { snat: true }],
    ['0.4.0', { backend: 'nftables' }],
    ['1.0.0', { conditionsV4: ['-s', '10.0.0.0/8'] }],
  ] as const) {
    attempt(() => {
      const conf = parsePortmapConf(
        {
          cniVersion: v,
          name: 'warm',
          type: 'portmap',
          capabilities: { portMappings: true },
          ...extra,
          runtimeConfig: { portMappings: mappings },
          prevResult: formatResult(WARM_RESULT, v),
        },
        v,
      );
      const cips = containerIps(requirePrev(conf), 'eth0');
      const dump = parseSave(':CNI-HOSTPORT-DNAT - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n');
      for (const cip of cips) {
        planIptables(conf, 'warm', cip, dump);
        checkProblem(conf, 'warm', cip, dump);
      }
      planDel(conf.name, 'warm', dump);
      planGc(conf.name, ['warm'], dump);
      planNft(conf, 'warm', cips);
    });
  }
}
