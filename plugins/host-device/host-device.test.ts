import { describe, expect, it } from 'vitest';
import { parseLinks } from '../../shared/host/iproute2.ts';
import { loadConf, selectorOf, type SysView } from './config.ts';
import { findContainerDevice, formatSaved, inLines, inRollback, outLines, outRollback, parseSaved, pickHostDevice } from './plan.ts';

const sys = (pci: Record<string, string | undefined>, aux: string[] = []): SysView => ({
  exists: (p) => Object.keys(pci).some((id) => p === `/sys/bus/pci/devices/${id}`) || aux.some((id) => p === `/sys/bus/auxiliary/devices/${id}`),
  readlink: (p) => {
    const id = /^\/sys\/bus\/pci\/devices\/([^/]+)\/driver$/.exec(p)?.[1];
    return id ? pci[id] : undefined;
  },
});
const base = { cniVersion: '1.0.0', name: 'n', type: 'host-device' };
const NONE = sys({});

describe('host-device config', () => {
  it('takes the device keys in getLink order: device, hwaddr, kernelpath, pciBusID / deviceID', () => {
    const all = { device: 'ens5', hwaddr: '02:00:00:00:00:01', kernelpath: '/sys/devices/pci0000:00/0000:00:05.0', pciBusID: '0000:00:05.0' };
    expect(selectorOf({ ...base, ...all }, NONE)).toEqual({ by: 'device', value: 'ens5' });
    expect(selectorOf({ ...base, ...all, device: '' }, NONE)).toMatchObject({ by: 'hwaddr', mac: '02:00:00:00:00:01' });
    expect(selectorOf({ ...base, kernelpath: all.kernelpath, pciBusID: all.pciBusID }, NONE)).toMatchObject({ by: 'kernelpath' });
    expect(selectorOf({ ...base, pciBusID: all.pciBusID }, NONE)).toEqual({ by: 'pciBusID', value: '0000:00:05.0' });
  });

  it('runtimeConfig.deviceID replaces pciBusID: PCI first, then auxiliary, else an error naming it', () => {
    const s = sys({ '0000:00:06.0': '../drivers/ixgbe' }, ['mlx5_core.sf.2']);
    expect(selectorOf({ ...base, pciBusID: '0000:00:05.0', runtimeConfig: { deviceID: '0000:00:06.0' } }, s)).toEqual({
      by: 'pciBusID',
      value: '0000:00:06.0',
    });
    expect(selectorOf({ ...base, runtimeConfig: { deviceID: 'mlx5_core.sf.2' } }, s)).toEqual({ by: 'deviceID', value: 'mlx5_core.sf.2' });
    expect(() => selectorOf({ ...base, runtimeConfig: { deviceID: 'nope.1' } }, s)).toThrow(/runtimeConfig.deviceID: "nope.1" is neither/);
    expect(() => selectorOf({ ...base, runtimeConfig: { deviceID: '../x' } }, s)).toThrow(/runtimeConfig.deviceID: .* is not a device name/);
  });

  it('keys match case-insensitively, as the Go decoder', () => {
    expect(loadConf({ ...base, DEVICE: 'ens5', IPAM: { type: 'host-local' } }, false, NONE)).toMatchObject({
      selector: { by: 'device', value: 'ens5' },
      ipamType: 'host-local',
    });
    expect(loadConf({ ...base, PCIBUSID: '0000:00:06.0' }, false, sys({ '0000:00:06.0': 'x/ixgbe' })).selector).toEqual({
      by: 'pciBusID',
      value: '0000:00:06.0',
    });
  });

  it('DPDK mode when the PCI device is bound to a userspace driver; no driver is an error naming the field', () => {
    const s = sys({ '0000:00:06.0': '../../../bus/pci/drivers/vfio-pci', '0000:00:07.0': undefined });
    expect(loadConf({ ...base, pciBusID: '0000:00:06.0' }, false, s).dpdk).toBe(true);
    expect(() => loadConf({ ...base, pciBusID: '0000:00:07.0' }, false, s)).toThrow(/pciBusID: PCI device "0000:00:07.0" has no driver bound/);
    expect(() => loadConf({ ...base, runtimeConfig: { deviceID: '0000:00:07.0' } }, false, s)).toThrow(/runtimeConfig.deviceID: PCI device/);
    // DEL and CHECK do not refuse what ADD would.
    expect(loadConf({ ...base, pciBusID: '0000:00:07.0' }, true, s)).toMatchObject({ dpdk: false });
    expect(loadConf({ ...base }, true, s).selector).toBeUndefined();
  });

  it('refuses malformed values with the field named', () => {
    expect(() => loadConf({ ...base, hwaddr: '02:00:00:00:00' }, false, NONE)).toThrow(/hwaddr: invalid MAC address/);
    expect(() => loadConf({ ...base, kernelpath: '/sys/devices' }, false, NONE)).toThrow(/kernelpath: /);
    expect(() => loadConf({ ...base, kernelpath: 'sys/devices/x' }, false, NONE)).toThrow(/kernelpath: /);
    expect(() => loadConf({ ...base, device: 'a b' }, false, NONE)).toThrow(/device: interface name contains/);
    expect(() => loadConf({ ...base, device: 5 }, false, NONE)).toThrow(/device: /);
    expect(() => loadConf({ ...base }, false, NONE)).toThrow(/specify either "device", "hwaddr", "kernelpath" or "pciBusID"/);
  });
});

const LINKS = parseLinks([
  { ifindex: 1, ifname: 'lo', flags: ['UP'], address: '00:00:00:00:00:00' },
  { ifindex: 4, ifname: 'ens5', flags: ['UP'], address: '02:00:00:00:00:05', parentbus: 'pci', parentdev: '0000:00:05.0' },
  { ifindex: 5, ifname: 'ens6', flags: [], address: '02:00:00:00:00:06', parentbus: 'virtio', parentdev: 'virtio3' },
]);

describe('host-device plan', () => {
  it('picks the node link by name, MAC (first in ifindex order), sysfs name or parent device', () => {
    expect(pickHostDevice(LINKS, { by: 'device', value: 'ens6' }).ifindex).toBe(5);
    expect(pickHostDevice(LINKS, { by: 'hwaddr', value: '02-00-00-00-00-05', mac: '02:00:00:00:00:05' }).ifname).toBe('ens5');
    expect(pickHostDevice(LINKS, { by: 'pciBusID', value: '0000:00:05.0' }, { parentdev: '0000:00:05.0' }).ifname).toBe('ens5');
    expect(pickHostDevice(LINKS, { by: 'kernelpath', value: '/sys/devices/x/virtio3' }, { name: 'ens6' }).ifname).toBe('ens6');
    expect(() => pickHostDevice(LINKS, { by: 'device', value: 'eth9' })).toThrow(/failed to find host device: device: no link named "eth9"/);
    expect(() =>
      pickHostDevice(LINKS, { by: 'pciBusID', value: '0000:00:09.0' }, { none: 'no network device under /sys/bus/pci/devices/0000:00:09.0/net' }),
    ).toThrow(/pciBusID: no network device under/);
    expect(() => pickHostDevice(LINKS, { by: 'deviceID', value: 'a.1' }, { parentdev: 'a.1' })).toThrow(
      /runtimeConfig.deviceID: no link whose parent device is "a.1"/,
    );
  });

  it('finds the moved device in the container by name, saved ifindex, alias or MAC; never a link without an alias', () => {
    const ctr = parseLinks([
      { ifindex: 1, ifname: 'lo', flags: [] },
      { ifindex: 7, ifname: 'eth0', flags: [], address: '02:00:00:00:00:07' },
      { ifindex: 9, ifname: 'renamed', flags: [], address: '02:00:00:00:00:09', ifalias: 'ens9' },
    ]);
    expect(findContainerDevice(ctr, 'eth0', {})).toBeUndefined();
    expect(findContainerDevice(ctr, 'eth0', { ifindex: 9 })?.ifname).toBe('renamed');
    expect(findContainerDevice(ctr, 'eth0', { device: 'ens9' })?.ifname).toBe('renamed');
    expect(findContainerDevice(ctr, 'eth0', { mac: '02:00:00:00:00:09' })?.ifname).toBe('renamed');
    expect(findContainerDevice(ctr, 'eth0', { mac: '02:00:00:00:00:07', device: 'ens7' })).toBeUndefined();
    expect(findContainerDevice(ctr, 'renamed', {})?.ifindex).toBe(9);
  });

  it('saved state round-trips; anything else reads as none', () => {
    expect(parseSaved(formatSaved({ device: 'ens5', up: true, ifindex: 3 }))).toEqual({ device: 'ens5', up: true, ifindex: 3 });
    expect(parseSaved('{"device":"ens5"}')).toBeUndefined();
    expect(parseSaved('not json')).toBeUndefined();
    expect(parseSaved(undefined)).toBeUndefined();
  });

  it('moves: rename, alias, move in; rename back, alias cleared, move out; rollbacks from where each stopped', () => {
    expect(inLines('ens5', 'eth0', '/run/netns/c').map((p) => p.line)).toEqual([
      'link set dev ens5 name eth0',
      'link set dev eth0 alias ens5',
      'link set dev eth0 netns /run/netns/c',
    ]);
    expect(outLines('eth0', 'ens5', '/proc/1/ns/net').map((p) => p.line)).toEqual([
      'link set dev eth0 name ens5',
      'link set dev ens5 alias ""',
      'link set dev ens5 netns /proc/1/ns/net',
    ]);
    expect(outLines('ens5', 'ens5', '/proc/1/ns/net')).toHaveLength(2);
    expect(inRollback('ens5', 'eth0', 0, '/proc/1/ns/net')).toEqual(['link set dev ens5 alias ""', 'link set dev ens5 netns /proc/1/ns/net']);
    expect(inRollback('ens5', 'eth0', 2, '/proc/1/ns/net')[0]).toBe('link set dev eth0 name ens5');
    expect(outRollback('eth0', 'ens5', 0, '/run/netns/c', true)).toEqual(['link set dev eth0 alias ens5', 'link set dev eth0 netns /run/netns/c']);
    expect(outRollback('eth0', 'ens5', 2, '/run/netns/c', true)[0]).toBe('link set dev ens5 name eth0');
  });
});
