// Package-time warming of ipvlan's pure path (see shared/cni/warm.ts): config in its plain and
// chained forms, the address source, the link line, the container batch, the result, the CHECK comparison.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { linkResult } from '../../shared/cni/parent-link.ts';
import { createLinkLine } from '../../shared/host/container-link.ts';
import { ifaceBatch, ipv6Sysctls, notifySysctls } from '../../shared/host/iface.ts';
import { checkLinkAndMode } from '../../shared/host/iface-check.ts';
import { checkMtu } from '../../shared/host/master.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';
import { addressSource, loadConf, parseRaw } from './config.ts';
import { ipvlanSpec } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };
const PREV = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.250.0.2/24', gateway: '10.250.0.1' }] };
const LINK = {
  ifindex: 2,
  ifname: 'eth0',
  address: '02:00:00:00:00:03',
  linkinfo: { info_kind: 'ipvlan', info_data: { mode: 'l2' } },
  addr_info: [{ family: 'inet', local: '10.250.0.2', prefixlen: 24 }],
};

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'ipvlan', master: 'eth0', ipam: IPAM },
    { cniVersion: '0.4.0', name: 'warm', type: 'ipvlan', mode: 'l3', mtu: 1400, ipam: IPAM },
    { cniVersion: '1.0.0', name: 'warm', type: 'ipvlan', mode: 'l3s', linkInContainer: true, prevResult: PREV },
    { cniVersion: '1.1.0', name: 'warm', type: 'ipvlan', master: 'a b', mode: 'x', mtu: -1 },
  ];
  for (const raw of raws) {
    attempt(() => {
      parseRaw(raw);
      const conf = loadConf(raw, raw.cniVersion);
      addressSource(conf);
      checkMtu(conf.mtu, 1500);
      createLinkLine(ipvlanSpec(conf, WARM_NETNS, 'eth0', 'eth0'), 'veth00000000');
      const ips = (WARM_RESULT.ips ?? []).map((i) => ({ ...i, interface: 0 }));
      notifySysctls('veth00000000');
      ipv6Sysctls('veth00000000', ips);
      ifaceBatch({ ifname: 'eth0', index: 0, ips, routes: WARM_RESULT.routes ?? [] });
      const result = linkResult({ ifname: 'eth0', mac: '02:00:00:00:00:03', netns: WARM_NETNS }, conf.prev ?? WARM_RESULT, conf.raw.dns);
      const link = parseLinks([LINK])[0];
      checkLinkAndMode({ netns: WARM_NETNS, ifname: 'eth0' }, result, { kind: 'ipvlan', mode: conf.mode }, { ...(link ? { link } : {}), routes: [] });
    });
  }
}
