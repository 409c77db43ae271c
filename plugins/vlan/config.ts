// vlan network configuration (containernetworking/plugins `plugins/main/vlan/vlan.go` NetConf; keys in plugins/vlan/README.md).
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import { ipamTypeOf } from '../../shared/cni/attach.ts';

export const VlanConfSchema = goObject({
  ...baseShape,
  master: z.optional(z.string()),
  vlanId: z.optional(int()),
  mtu: z.optional(int()),
  linkInContainer: z.optional(z.boolean()),
});
export type VlanConfRaw = z.infer<typeof VlanConfSchema>;

export interface VlanConf {
  raw: VlanConfRaw;
  name: string;
  master: string;
  vlanId: number;
  /** 0: the master's MTU (the kernel's default for a new VLAN link). */
  mtu: number;
  linkInContainer: boolean;
  /** '' only where IPAM is not required (DEL). */
  ipamType: string;
}

/** The largest VLAN ID upstream accepts (4095 is reserved by 802.1Q). */
export const MAX_VLAN_ID = 4094;
/** IFLA_MTU is a u32; anything that large is refused before the master is even looked at. */
const MAX_MTU = 2 ** 31 - 1;

/**
 * Parse and validate. The master is not looked up here (upstream's loadConf does, so its DEL fails
 * once the master is gone); ADD looks it up for the MTU check (shared/host/master.ts checkMtu). `needIpam`:
 * ADD, CHECK and STATUS need an IPAM type; DEL of a config without one still deletes the link.
 */
export function loadConf(rawInput: unknown, needIpam = true): VlanConf {
  const raw = parseConfig(VlanConfSchema, rawInput, 'failed to load netconf');
  const master = raw.master ?? '';
  if (master === '') throw invalidConfig('"master" field is required. It specifies the host interface name to create the VLAN for');
  assertIfname(master, 'master');
  const vlanId = raw.vlanId ?? 0;
  if (vlanId < 0 || vlanId > MAX_VLAN_ID) throw invalidConfig(`vlanId: invalid VLAN ID ${vlanId} (must be between 0 and ${MAX_VLAN_ID})`);
  const mtu = raw.mtu ?? 0;
  if (mtu < 0 || mtu > MAX_MTU) throw invalidConfig(`mtu: invalid MTU ${mtu}, must be [0, master MTU]`);
  return {
    raw,
    name: raw.name,
    master,
    vlanId,
    mtu,
    linkInContainer: raw.linkInContainer ?? false,
    ipamType: ipamTypeOf(raw, needIpam ? 'vlan' : undefined),
  };
}
