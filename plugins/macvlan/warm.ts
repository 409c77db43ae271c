// Package-time warming of macvlan's pure path (see shared/cni/warm.ts): config with every key and
// the MAC's three sources, the link line, the container batch, the result, the CHECK comparison.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { createLinkLine } from '../../shared/host/container-link.ts';
import { ifaceBatch, ipv6Sysctls, notifySysctls } from '../../shared/host/iface.ts';
import { checkLinkAndMode } from '../../shared/host/iface-check.ts';
import { defaultRouteDev } from '../../shared/host/master.ts';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { loadConf, parseRaw } from './config.ts';
import { checkMtu } from '../../shared/host/master.ts';
import { macvlanSpec } from './plan.ts';
import { linkResult } from '../../shared/cni/parent-link.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };
const LINK = {
  ifindex: 2,
  ifname: 'eth0',
  address: '02:00:00:00:00:03',
  mtu: 1500,
  linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } },
  addr_info: [{ family: 'inet', local: '10.250.0.2', prefixlen: 24 }],
};

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'macvlan', master: 'eth0', ipam: IPAM },
    { cniVersion: '0.4.0', name: 'warm', type: 'macvlan', master: '', mode: 'private', mtu: 1400, mac: '02:00:00:00:00:09', ipam: IPAM },
    { cniVersion: '1.0.0', name: 'warm', type: 'macvlan', mode: 'vepa', linkInContainer: true, bcqueuelen: 100, runtimeConfig: { mac: '02:00:00:00:00:0a' } },
    { cniVersion: '0.3.1', name: 'warm', type: 'macvlan', master: 'eth0', mode: 'passthru', ipam: {} },
    { cniVersion: '1.1.0', name: 'warm', type: 'macvlan', master: 'a b', mode: 'x', mtu: -1, mac: 'zz' },
  ];
  for (const raw of raws) {
    attempt(() => {
      parseRaw(raw);
      const conf = loadConf(raw, 'IgnoreUnknown=1;MAC=02:00:00:00:00:0b');
      checkMtu(conf.mtu, 1500);
      createLinkLine(macvlanSpec(conf, WARM_NETNS, 'eth0', 'eth0'), 'veth00000000');
      const ips = (WARM_RESULT.ips ?? []).map((i) => ({ ...i, interface: 0 }));
      notifySysctls('veth00000000');
      ipv6Sysctls('veth00000000', ips);
      ifaceBatch({ ifname: 'eth0', index: 0, ips, routes: WARM_RESULT.routes ?? [] });
      const result = linkResult({ ifname: 'eth0', mac: '02:00:00:00:00:03', netns: WARM_NETNS }, WARM_RESULT, conf.raw.dns);
      const link = parseLinks([LINK])[0];
      checkLinkAndMode({ netns: WARM_NETNS, ifname: 'eth0' }, result, { kind: 'macvlan', mode: conf.mode }, { ...(link ? { link } : {}), routes: [] });
    });
  }
  attempt(() => defaultRouteDev(parseRoutes([{ dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] }])));
}
