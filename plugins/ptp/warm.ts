// Package-time warming of ptp's pure path (see shared/cni/warm.ts): config, addresses, batches, rules, CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { warmMasqPlans } from '../../shared/host/ipmasq.ts';
import { ifaceBatch, ipv6Sysctls } from '../../shared/host/iface.ts';
import { confDns } from '../../shared/cni/config.ts';
import { loadConf } from './config.ts';
import { containerRoutes, forwardingSysctls, hostBatch, hostSysctls, ptpIps } from './plan.ts';
import { checkState } from './check.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'ptp', ipMasq: true, ipam: IPAM, prevResult: WARM_RESULT },
    { cniVersion: '0.3.1', name: 'warm', type: 'ptp', mtu: 1400, ipMasqBackend: 'nftables', ipam: IPAM, dns: { nameservers: ['10.250.0.1'] } },
    { cniVersion: '1.0.0', name: 'warm', type: 'ptp', ipMasqBackend: 'bogus', mtu: -1, ipam: {} },
  ];
  for (const raw of raws) {
    attempt(() => {
      const conf = loadConf(raw);
      const ips = ptpIps(WARM_RESULT);
      forwardingSysctls(ips);
      hostSysctls('veth00000000');
      hostBatch({ hostVeth: 'veth00000000', ifname: 'eth0', netns: WARM_NETNS, mtu: conf.mtu, ips });
      containerRoutes('eth0', ips);
      ipv6Sysctls('eth0', ips);
      ifaceBatch({ ifname: 'eth0', index: 1, ips, routes: WARM_RESULT.routes ?? [] });
      confDns(conf.raw);
      warmMasqPlans(
        conf.raw,
        ips.map((i) => i.address),
      );
    });
  }
  attempt(() => ptpIps({ ips: [{ address: '10.250.0.2/24' }] }));
  attempt(() => {
    const link = parseLinks([
      {
        ifindex: 2,
        ifname: 'eth0',
        address: '02:00:00:00:00:03',
        linkinfo: { info_kind: 'veth' },
        addr_info: [{ family: 'inet', local: '10.250.0.2', prefixlen: 24 }],
      },
    ])[0];
    const routes = parseRoutes([{ dst: '10.250.0.0/24', gateway: '10.250.0.1', dev: 'eth0' }]);
    checkState(
      { ...WARM_RESULT, interfaces: [{ name: 'veth00000000' }, { name: 'eth0', sandbox: WARM_NETNS }] },
      { netns: WARM_NETNS, ifname: 'eth0' },
      {
        ...(link ? { link } : {}),
        routes,
      },
    );
  });
}
