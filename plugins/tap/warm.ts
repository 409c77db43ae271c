// Package-time warming of tap's pure path (see shared/cni/warm.ts): config with every key and the
// MAC's three sources, the tuntap options and attributes, the creation lines and the interface
// batch with its bridge line. SELinux is never asked (no selinuxContext in the samples that pass).
import { attempt, WARM_NETNS } from '../../shared/cni/warm.ts';
import { createLinkLines } from '../../shared/host/container-link.ts';
import { ifaceBatch, notifySysctls } from '../../shared/host/iface.ts';
import { loadConf, tapAttrs, tuntapOptions } from './config.ts';

export function warm(): void {
  const samples: Array<[Record<string, unknown>, string]> = [
    [{ multiQueue: true, mtu: 1400, mac: '02:00:00:00:00:0a', owner: 107, group: 107, bridge: 'br0', ipam: { type: 'host-local' } }, ''],
    [{ capabilities: { mac: true }, runtimeConfig: { mac: '02:00:00:00:00:0b' }, owner: 0 }, 'IgnoreUnknown=1;MAC=02:00:00:00:00:0c'],
    [{ mac: 'zz', mtu: -1 }, ''],
  ];
  for (const [extra, args] of samples) {
    attempt(() => {
      const raw = { cniVersion: '1.0.0', name: 'warm', type: 'tap', ...extra };
      loadConf(raw, args, true);
      const c = loadConf(raw, args);
      createLinkLines(
        { netns: WARM_NETNS, ifname: 'eth0', kind: 'tap', inContainer: true, attrs: tapAttrs(c), tuntap: { mode: 'tap', options: tuntapOptions(c) }, type: [] },
        'veth0a0b0c0d',
      );
    });
  }
  notifySysctls('veth0a0b0c0d');
  attempt(() =>
    ifaceBatch({ ifname: 'eth0', index: 0, ips: [{ interface: 0, address: '10.250.0.2/24', gateway: '10.250.0.1' }], routes: [{ dst: '0.0.0.0/0' }] }),
  );
}
