// Package-time warming of vlan's pure path (see shared/cni/warm.ts): config with every key, the
// link line and its failures, the MTU check, the interface batch, the result and CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { singleIfaceResult } from '../../shared/cni/attach.ts';
import { createFailure, createLinkLine } from '../../shared/host/container-link.ts';
import { ifaceBatch, ipv6Sysctls } from '../../shared/host/iface.ts';
import { checkContainerLink, checkIfaceState } from '../../shared/host/iface-check.ts';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { loadConf } from './config.ts';
import { checkVlanLink, mtuProblem, vlanLinkSpec } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };
const STDERRS = [
  'Cannot find device "eth9"\nCommand failed -:1',
  'Error: 8021q: VLAN device already exists.\nCommand failed -:1',
  'Error: Unknown device type.\n',
];

export function warm(): void {
  const raws = [
    {
      cniVersion: '1.1.0',
      name: 'warm',
      type: 'vlan',
      master: 'eth0',
      vlanId: 100,
      mtu: 1400,
      linkInContainer: true,
      ipam: IPAM,
      dns: { nameservers: ['10.250.0.1'] },
    },
    { cniVersion: '0.3.1', name: 'warm', type: 'vlan', Master: 'eth0', VLANID: 0, ipam: IPAM },
    { cniVersion: '1.0.0', name: 'warm', type: 'vlan', master: 'eth0', vlanId: 4095, mtu: -1 },
    { cniVersion: '1.0.0', name: 'warm', type: 'vlan', vlanId: 'x' },
  ];
  for (const raw of raws) {
    attempt(() => loadConf(raw, false));
    attempt(() => {
      const conf = loadConf(raw);
      const spec = vlanLinkSpec(conf, WARM_NETNS, 'eth0');
      createLinkLine(spec, 'veth00000000');
      for (const e of STDERRS) createFailure(spec, e);
      mtuProblem(conf, 1500);
      const res = singleIfaceResult({ ifname: 'eth0', netns: WARM_NETNS, mac: '02:00:00:00:00:03' }, WARM_RESULT, conf.raw.dns);
      ipv6Sysctls('eth0', res.ips ?? []);
      ifaceBatch({ ifname: 'eth0', index: 0, ips: res.ips ?? [], routes: res.routes ?? [] });
      const [link] = parseLinks([
        {
          ifindex: 2,
          ifname: 'eth0',
          flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
          mtu: 1400,
          address: '02:00:00:00:00:03',
          linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 100, flags: ['REORDER_HDR'] } },
          addr_info: [
            { family: 'inet', local: '10.250.0.2', prefixlen: 24 },
            { family: 'inet6', local: 'fd00:250::2', prefixlen: 64 },
          ],
        },
      ]);
      const state = {
        ...(link ? { link } : {}),
        routes: parseRoutes([
          { dst: '10.250.0.0/24', dev: 'eth0' },
          { dst: 'default', gateway: '10.250.0.1', dev: 'eth0' },
        ]),
      };
      attempt(() => {
        checkVlanLink(conf, checkContainerLink('vlan', res, { netns: WARM_NETNS, ifname: 'eth0' }, state));
        checkIfaceState('eth0', res, state);
      });
    });
  }
}
