// Package-time warming of host-local's pure path (see shared/cni/warm.ts): config, ranges, decisions.
import { attempt } from '../../shared/cni/warm.ts';
import { parseIp } from '../../shared/host/addr.ts';
import { loadConfig } from './config.ts';
import { decide, takeRequested } from './plan.ts';

export function warm(): void {
  const ipam = {
    type: 'host-local',
    dataDir: '/var/lib/cni/networks',
    ranges: [[{ subnet: '10.250.0.0/24', rangeStart: '10.250.0.10', gateway: '10.250.0.1' }], [{ subnet: 'fd00:250::/64' }]],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00:250::1' }],
  };
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'bridge', ipam },
    { cniVersion: '0.3.1', name: 'warm', ipam: { type: 'host-local', subnet: '10.250.1.0/24', rangeEnd: '10.250.1.20' } },
    { cniVersion: '1.0.0', name: 'warm', ipam: { ...ipam, ranges: [[{ subnet: 'x' }]] } },
  ];
  for (const raw of raws) {
    attempt(() => {
      const conf = loadConfig(raw, raw.cniVersion, 'IgnoreUnknown=1;IP=10.250.0.20');
      for (const set of conf.ranges) {
        const view = { isTaken: () => false, heldBy: [] };
        takeRequested(set, [...conf.requested]);
        decide(set, 'warm', view, undefined);
        decide(set, 'warm', view, parseIp('10.250.0.20') ?? undefined);
      }
    });
  }
}
