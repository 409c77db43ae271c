// host-device configuration: the keys of containernetworking/plugins `plugins/main/host-device/host-device.go`
// (NetConf, handleDeviceID, loadConf), every value checked before it reaches a command line or a
// /sys path. Which device the keys name is decided by plan.ts (pickHostDevice), in the reference's order.
import * as z from 'zod/mini';
import { existsSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, parseConfig } from '../../shared/cni/schema.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import { assertIfname, pathProblem } from '../../shared/cni/validate.ts';
import { parseMac } from '../../shared/host/mac.ts';

export const HostDeviceConfSchema = goObject({
  ...baseShape,
  device: z.optional(z.string()),
  hwaddr: z.optional(z.string()),
  kernelpath: z.optional(z.string()),
  pciBusID: z.optional(z.string()),
  runtimeConfig: z.optional(goObject({ deviceID: z.optional(z.string()) })),
});
export type HostDeviceConfRaw = z.infer<typeof HostDeviceConfSchema>;

/** Where the reference looks for PCI and auxiliary devices (host-device.go sysBusPCI, sysBusAuxiliary). */
export const SYS_BUS_PCI = '/sys/bus/pci/devices';
export const SYS_BUS_AUX = '/sys/bus/auxiliary/devices';
/** Drivers that take a PCI device away from the kernel's network stack (host-device.go userspaceDrivers). */
export const USERSPACE_DRIVERS = ['vfio-pci', 'uio_pci_generic', 'igb_uio'];

/** How the config names the device, after runtimeConfig.deviceID was applied. */
export type Selector =
  | { by: 'device'; value: string }
  | { by: 'hwaddr'; value: string; mac: string }
  | { by: 'kernelpath'; value: string }
  | { by: 'pciBusID'; value: string }
  | { by: 'deviceID'; value: string };

export interface HostDeviceConf {
  raw: HostDeviceConfRaw;
  /** undefined only for DEL and CHECK, which do not need to know which node device it was. */
  selector?: Selector;
  /** The PCI device is bound to a userspace driver: no link to move, IPAM not applied (DPDK). */
  dpdk: boolean;
  ipamType: string;
}

/** A name under /sys/bus/…/devices: PCI addresses (0000:00:03.0) and auxiliary devices (mlx5_core.sf.2). */
const BUS_NAME = /^[A-Za-z0-9][A-Za-z0-9:._-]*$/;

function busNameProblem(v: string): string | undefined {
  if (!BUS_NAME.test(v) || v.length > 64) return `${JSON.stringify(v)} is not a device name on a bus (such as 0000:00:03.0)`;
  return undefined;
}

/** The file system as the config checks see it (a fake root in unit tests). */
export interface SysView {
  exists(path: string): boolean;
  /** The symlink's target, or undefined when there is none. */
  readlink(path: string): string | undefined;
}

export const realSys: SysView = {
  exists: (p) => existsSync(p),
  readlink: (p) => {
    try {
      return readlinkSync(p);
    } catch {
      return undefined;
    }
  },
};

/** handleDeviceID: a PCI address wins over an auxiliary device of the same name; neither is an error. */
function deviceIdSelector(id: string, sys: SysView): Selector {
  const p = busNameProblem(id);
  if (p) throw invalidConfig(`runtimeConfig.deviceID: ${p}`, id);
  if (sys.exists(`${SYS_BUS_PCI}/${id}`)) return { by: 'pciBusID', value: id };
  if (sys.exists(`${SYS_BUS_AUX}/${id}`)) return { by: 'deviceID', value: id };
  throw new CniError(
    Code.Internal,
    `runtimeConfig.deviceID: ${JSON.stringify(id)} is neither a PCI device (${SYS_BUS_PCI}) nor an auxiliary device (${SYS_BUS_AUX})`,
  );
}

/** The key that names the device, in getLink's order: device, hwaddr, kernelpath, pciBusID (runtimeConfig.deviceID overriding it), auxiliary deviceID. */
export function selectorOf(c: HostDeviceConfRaw, sys: SysView = realSys): Selector | undefined {
  const id = c.runtimeConfig?.deviceID ?? '';
  const fromId = id !== '' ? deviceIdSelector(id, sys) : undefined;
  if (c.device) {
    assertIfname(c.device, 'device');
    return { by: 'device', value: c.device };
  }
  if (c.hwaddr) {
    const mac = parseMac(c.hwaddr);
    if (!mac) throw invalidConfig(`hwaddr: invalid MAC address ${JSON.stringify(c.hwaddr)}`, c.hwaddr);
    return { by: 'hwaddr', value: c.hwaddr, mac };
  }
  if (c.kernelpath) {
    const p = pathProblem(c.kernelpath);
    if (p || !c.kernelpath.startsWith('/sys/devices/') || basename(c.kernelpath) === 'devices')
      throw invalidConfig(
        `kernelpath: kernel device path ${JSON.stringify(c.kernelpath)} must be absolute and begin with /sys/devices/${p ? ` (${p})` : ''}`,
        c.kernelpath,
      );
    return { by: 'kernelpath', value: c.kernelpath };
  }
  if (fromId) return fromId;
  if (c.pciBusID) {
    const p = busNameProblem(c.pciBusID);
    if (p) throw invalidConfig(`pciBusID: ${p}`, c.pciBusID);
    return { by: 'pciBusID', value: c.pciBusID };
  }
  return undefined;
}

/** hasDpdkDriver: the PCI device's driver, which must exist (the reference fails without one too). */
export function dpdkDriver(pci: string, field: string, sys: SysView = realSys): boolean {
  const dir = `${SYS_BUS_PCI}/${pci}`;
  if (!sys.exists(dir)) throw new CniError(Code.Internal, `${field}: no PCI device ${JSON.stringify(pci)} (${dir} does not exist)`);
  const drv = sys.readlink(`${dir}/driver`);
  if (drv === undefined) throw new CniError(Code.Internal, `${field}: PCI device ${JSON.stringify(pci)} has no driver bound (${dir}/driver is missing)`);
  return USERSPACE_DRIVERS.includes(basename(drv));
}

/**
 * Decode stdin as loadConf does. ADD needs a device key; DEL and CHECK (`lenient`) do not, since
 * they find the device by its alias in the container, and a config ADD refused can still be deleted.
 */
export function loadConf(raw: unknown, lenient = false, sys: SysView = realSys): HostDeviceConf {
  const c = parseConfig(HostDeviceConfSchema, raw, 'failed to load netconf');
  let selector: Selector | undefined;
  let dpdk = false;
  try {
    selector = selectorOf(c, sys);
    if (!selector && !lenient) throw invalidConfig('specify either "device", "hwaddr", "kernelpath" or "pciBusID"');
    if (selector?.by === 'pciBusID') dpdk = dpdkDriver(selector.value, c.runtimeConfig?.deviceID ? 'runtimeConfig.deviceID' : 'pciBusID', sys);
  } catch (e) {
    if (!lenient) throw e;
  }
  return { raw: c, ...(selector ? { selector } : {}), dpdk, ipamType: c.ipam?.type ?? '' };
}
