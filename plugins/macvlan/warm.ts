// Package-time warming of macvlan's pure path (see shared/cni/warm.ts): config with every key and
// the MAC's three sources, the requests, the link line, the container batch, the result, CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { warmAttach } from '../../shared/cni/attach.ts';
import { loadConf, parseRaw } from './config.ts';
import { attachRequest, checkRequest } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };

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
      const linkinfo = { info_kind: 'macvlan', info_data: { mode: conf.mode } };
      warmAttach(attachRequest(conf, WARM_NETNS, 'eth0'), checkRequest(conf, WARM_NETNS), WARM_RESULT, linkinfo);
    });
  }
}
