// Where host-device keeps what DEL restores that the kernel does not remember: whether the device
// was UP on the node before ADD (the reference always returns it DOWN), and its ifindex in the
// container. The alias carries the node name, as in the reference, so either can DEL the other's ADD.
import { join } from 'node:path';

export const STATE_DIR = '/run/cni/host-device';
export const stateFile = (containerId: string, ifname: string): string => join(STATE_DIR, `${containerId}_${ifname}.json`);
