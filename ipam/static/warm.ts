// Package-time warming of static's pure path (see shared/cni/warm.ts): config, precedence, CHECK.
import { attempt } from '../../shared/cni/warm.ts';
import { loadConfig, resultIps } from './config.ts';
import { mismatch } from './check.ts';

export function warm(): void {
  const ipam = {
    type: 'static',
    addresses: [{ address: '10.250.0.5/24', gateway: '10.250.0.1' }, { address: 'fd00:250::5/64' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.250.0.254', mtu: 1400 }],
    dns: { nameservers: ['10.250.0.53'], domain: 'example.com', search: ['example.com'] },
  };
  const calls: Array<[Record<string, unknown>, string]> = [
    [{ cniVersion: '1.1.0', name: 'warm', type: 'bridge', ipam }, 'IgnoreUnknown=1;IP=10.250.0.7,fd00:250::7/64;GATEWAY=10.250.0.1'],
    [{ cniVersion: '0.3.1', name: 'warm', ipam, runtimeConfig: { ips: ['10.250.0.9/24'] }, args: { cni: { ips: ['10.250.0.8'] } } }, ''],
    [{ cniVersion: '1.0.0', name: 'warm', ipam: { addresses: [{ address: 'x' }] } }, 'IP=y'],
  ];
  for (const [raw, args] of calls) {
    attempt(() => {
      const conf = loadConfig(raw, String(raw.cniVersion), args);
      mismatch(conf, { ips: resultIps(conf) }, 'eth0');
    });
  }
}
