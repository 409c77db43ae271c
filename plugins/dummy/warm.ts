// Package-time warming of dummy's pure path (see shared/cni/warm.ts): config, the link line and its
// failures, the requests, the interface batch, the result and CHECK.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { warmAttach } from '../../shared/cni/attach.ts';
import { loadConf } from './config.ts';
import { attachRequest, checkRequest } from './plan.ts';

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
      warmAttach(attachRequest(conf, WARM_NETNS, 'eth0'), checkRequest(conf), WARM_RESULT, { info_kind: 'dummy' });
    });
  }
}
