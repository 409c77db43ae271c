// Package-time warming of dummy's pure path (see shared/cni/warm.ts): config, the link line and its
// failures, the interface batch, the result and CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { singleIfaceResult } from '../../shared/cni/attach.ts';
import { createFailure, createLinkLine } from '../../shared/host/container-link.ts';
import { ifaceBatch, ipv6Sysctls } from '../../shared/host/iface.ts';
import { checkContainerLink, checkIfaceState } from '../../shared/host/iface-check.ts';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { loadConf } from './config.ts';
import { checkDummyLink, dummyLinkSpec } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'dummy', ipam: IPAM, dns: { nameservers: ['10.250.0.1'] } },
    { cniVersion: '0.4.0', name: 'warm', type: 'dummy', IPAM: { Type: 'host-local' } },
    { cniVersion: '1.0.0', name: 'warm', type: 'dummy' },
    { cniVersion: '1.0.0', name: 'warm', type: 'dummy', ipam: { type: '../x' } },
  ];
  for (const raw of raws) {
    attempt(() => loadConf(raw, false));
    attempt(() => {
      const conf = loadConf(raw);
      const spec = dummyLinkSpec(WARM_NETNS, 'eth0');
      createLinkLine(spec, 'veth00000000');
      createFailure(spec, 'Error: Unknown device type.\n');
      const res = singleIfaceResult({ ifname: 'eth0', netns: WARM_NETNS, mac: '02:00:00:00:00:03' }, WARM_RESULT, conf.raw.dns);
      ipv6Sysctls('eth0', res.ips ?? []);
      ifaceBatch({ ifname: 'eth0', index: 0, ips: res.ips ?? [], routes: res.routes ?? [] });
      const [link] = parseLinks([
        {
          ifindex: 2,
          ifname: 'eth0',
          flags: ['BROADCAST', 'NOARP', 'UP', 'LOWER_UP'],
          address: '02:00:00:00:00:03',
          linkinfo: { info_kind: 'dummy' },
          addr_info: [{ family: 'inet', local: '10.250.0.2', prefixlen: 24 }],
        },
      ]);
      const state = { ...(link ? { link } : {}), routes: parseRoutes([{ dst: '10.250.0.0/24', dev: 'eth0' }]) };
      attempt(() => {
        checkDummyLink(checkContainerLink('dummy', res, { netns: WARM_NETNS, ifname: 'eth0' }, state));
        checkIfaceState('eth0', res, state);
      });
    });
  }
}
