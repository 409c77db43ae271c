// Package-time warming of flannel's pure path (see shared/cni/warm.ts): subnet file, config, delegate.
import { attempt } from '../../shared/cni/warm.ts';
import { delegateInput, loadConfig } from './config.ts';
import { buildDelegate, delegateBytes } from './plan.ts';
import { parseSubnetEnv } from './subnet-env.ts';
import { staleIds } from './gc.ts';
import { savedHeader } from './saved.ts';

export function warm(): void {
  const texts = [
    'FLANNEL_NETWORK=10.250.0.0/16\nFLANNEL_SUBNET=10.250.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:250::/56\nFLANNEL_IPV6_SUBNET=fd00:250:0:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    'FLANNEL_NETWORK=10.250.0.0/16,10.251.0.0/16\nFLANNEL_SUBNET=10.250.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n',
    'FLANNEL_MTU=x\n',
    'junk\n',
  ];
  const raws = [
    { cniVersion: '0.3.1', name: 'cbr0', type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
    { cniVersion: '1.1.0', name: 'cbr0', type: 'flannel', ipam: { routes: [{ dst: '192.0.2.0/24' }] }, runtimeConfig: { portMappings: [] } },
    { cniVersion: '1.0.0', name: 'cbr0', type: 'flannel', delegate: { name: 'x' } },
  ];
  for (const text of texts) {
    for (const raw of raws) {
      attempt(() => {
        const c = loadConfig(raw, raw.cniVersion);
        const bytes = delegateBytes(buildDelegate(c, delegateInput(c.conf), parseSubnetEnv(text, '/run/flannel/subnet.env')));
        savedHeader(bytes);
      });
    }
  }
  attempt(() => staleIds([{ id: 'a', name: 'cbr0' }], 'cbr0', new Set(['b'])));
}
