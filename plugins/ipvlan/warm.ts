// Package-time warming of ipvlan's pure path (see shared/cni/warm.ts): config in its plain and
// chained forms, the requests (the address source), the link line, the container batch, the
// result, CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { warmAttach } from '../../shared/cni/attach.ts';
import { loadConf, parseRaw } from './config.ts';
import { attachRequest, checkRequest } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };
const PREV = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.250.0.2/24', gateway: '10.250.0.1' }] };

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'ipvlan', master: 'eth0', ipam: IPAM },
    { cniVersion: '0.4.0', name: 'warm', type: 'ipvlan', mode: 'l3', mtu: 1400, ipam: IPAM },
    { cniVersion: '1.0.0', name: 'warm', type: 'ipvlan', mode: 'l3s', linkInContainer: true, prevResult: PREV },
    { cniVersion: '1.1.0', name: 'warm', type: 'ipvlan', master: 'a b', mode: 'x', mtu: -1 },
  ];
  for (const raw of raws) {
    attempt(() => {
      const conf = loadConf(raw, raw.cniVersion);
      const linkinfo = { info_kind: 'ipvlan', info_data: { mode: conf.mode } };
      warmAttach(attachRequest(conf, WARM_NETNS, 'eth0'), checkRequest(parseRaw(raw), WARM_NETNS), WARM_RESULT, linkinfo);
    });
  }
}
