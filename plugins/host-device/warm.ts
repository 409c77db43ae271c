// Package-time warming of host-device's pure path (see shared/cni/warm.ts): every way of naming the
// device (with a fake /sys, so nothing on the host is read), the pick among node links, the search
// in the container, the move lines, the saved state and the interface batch.
import { attempt, WARM_NETNS } from '../../shared/cni/warm.ts';
import { ifaceBatch } from '../../shared/host/iface.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';
import { loadConf, type SysView } from './config.ts';
import { findContainerDevice, formatSaved, inLines, inRollback, outLines, outRollback, parseSaved, pickHostDevice } from './plan.ts';

const FAKE_SYS: SysView = { exists: (p) => p.includes('0000:00:05.0'), readlink: () => '../../../bus/pci/drivers/virtio-pci' };
const LINKS = parseLinks([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], address: '00:00:00:00:00:00' },
  { ifindex: 7, ifname: 'ens5', flags: ['BROADCAST', 'UP'], address: '02:00:00:00:00:05', parentbus: 'pci', parentdev: '0000:00:05.0' },
  { ifindex: 9, ifname: 'eth0', flags: ['BROADCAST'], address: '02:00:00:00:00:06', ifalias: 'ens6' },
]);

export function warm(): void {
  const keys: Array<Record<string, unknown>> = [
    { device: 'ens5' },
    { hwaddr: '02:00:00:00:00:05' },
    { kernelpath: '/sys/devices/pci0000:00/0000:00:05.0' },
    { pciBusID: '0000:00:05.0' },
    { runtimeConfig: { deviceID: '0000:00:05.0' } },
    { hwaddr: 'zz' },
    {},
  ];
  for (const k of keys) {
    attempt(() => {
      const raw = { cniVersion: '1.0.0', name: 'warm', type: 'host-device', ipam: { type: 'host-local' }, ...k };
      loadConf(raw, true, FAKE_SYS);
      const c = loadConf(raw, false, FAKE_SYS);
      if (c.selector) attempt(() => pickHostDevice(LINKS, c.selector!, { parentdev: '0000:00:05.0' }));
    });
  }
  attempt(() => findContainerDevice(LINKS, 'net1', { device: 'ens6', mac: '02:00:00:00:00:06', ifindex: 9 }));
  parseSaved(formatSaved({ device: 'ens5', up: true, ifindex: 9 }));
  inLines('ens5', 'eth0', WARM_NETNS);
  inRollback('ens5', 'eth0', 1, '/proc/1/ns/net');
  outLines('eth0', 'ens5', '/proc/1/ns/net');
  outRollback('eth0', 'ens5', 1, WARM_NETNS, true);
  attempt(() =>
    ifaceBatch({ ifname: 'eth0', index: 0, ips: [{ interface: 0, address: '10.250.0.2/24', gateway: '10.250.0.1' }], routes: [{ dst: '0.0.0.0/0' }] }),
  );
}
