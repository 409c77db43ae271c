// Package-time warming of vlan's pure path (see shared/cni/warm.ts): config with every key, the
// requests, the link line and its failures, the MTU check, the interface batch, the result and CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { warmAttach } from '../../shared/cni/attach.ts';
import { loadConf } from './config.ts';
import { attachRequest, checkRequest } from './plan.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };

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
      const linkinfo = { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: conf.vlanId, flags: ['REORDER_HDR'] } };
      warmAttach(attachRequest(conf, WARM_NETNS, 'eth0'), checkRequest(conf, WARM_NETNS), WARM_RESULT, linkinfo);
    });
  }
}
