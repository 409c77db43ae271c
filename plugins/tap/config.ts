// tap configuration: the keys of containernetworking/plugins `plugins/main/tap/tap.go` (NetConf,
// MacEnvArgs, loadConf), the MAC taken in the reference's order (mac < CNI_ARGS MAC= <
// runtimeConfig.mac), every value checked before it reaches an `ip` command line.
import * as z from 'zod/mini';
import { existsSync } from 'node:fs';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import { parseMac } from '../../shared/host/mac.ts';

const uint32 = int(0, 2 ** 32 - 1);

export const TapConfSchema = goObject({
  ...baseShape,
  multiQueue: z.optional(z.boolean()),
  mtu: z.optional(int(0, 2 ** 31 - 1)),
  mac: z.optional(z.string()),
  owner: z.optional(uint32),
  group: z.optional(uint32),
  selinuxContext: z.optional(z.string()),
  bridge: z.optional(z.string()),
  runtimeConfig: z.optional(goObject({ mac: z.optional(z.string()) })),
});
export type TapConfRaw = z.infer<typeof TapConfSchema>;

export interface TapConf {
  raw: TapConfRaw;
  multiQueue: boolean;
  /** 0 = the kernel's default. */
  mtu: number;
  /** iproute2's form of the effective MAC. */
  mac?: string;
  owner?: number;
  group?: number;
  selinuxContext: string;
  bridge: string;
  ipamType: string;
}

/** An SELinux label as the kernel takes it (user:role:type[:level]); no white space or control characters. */
const SELINUX_LABEL = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+(:[A-Za-z0-9_.,:-]+)?$/;

/** Whether SELinux is enabled on this node (selinuxfs mounted, as go-selinux's GetEnabled asks). */
export const selinuxEnabled = (): boolean => existsSync('/sys/fs/selinux/enforce');

/** Decode stdin and CNI_ARGS; DEL (`forDel`) does not refuse what only ADD uses, so a config ADD refused can still be deleted. */
export function loadConf(raw: unknown, cniArgs: string, forDel = false): TapConf {
  const c = parseConfig(TapConfSchema, raw, 'failed to load netconf');
  const conf: TapConf = {
    raw: c,
    multiQueue: c.multiQueue ?? false,
    mtu: c.mtu ?? 0,
    selinuxContext: c.selinuxContext ?? '',
    bridge: c.bridge ?? '',
    ipamType: c.ipam?.type ?? '',
    ...(c.owner !== undefined ? { owner: c.owner } : {}),
    ...(c.group !== undefined ? { group: c.group } : {}),
  };
  if (forDel) return conf;
  let mac = c.mac ?? '';
  let field = 'mac';
  const envMac = parseCniArgs(cniArgs, ['MAC']).get('MAC');
  if (envMac) [mac, field] = [envMac, 'CNI_ARGS MAC'];
  if (c.runtimeConfig?.mac) [mac, field] = [c.runtimeConfig.mac, 'runtimeConfig.mac'];
  if (mac !== '') {
    const m = parseMac(mac);
    // A tap is an Ethernet device: only 6-octet addresses.
    if (m?.length !== 17) throw invalidConfig(`${field}: invalid MAC address ${JSON.stringify(mac)}`, mac);
    conf.mac = m;
  }
  if (conf.bridge !== '') assertIfname(conf.bridge, 'bridge');
  if (conf.selinuxContext !== '') {
    if (!SELINUX_LABEL.test(conf.selinuxContext))
      throw invalidConfig(`selinuxContext: ${JSON.stringify(conf.selinuxContext)} is not an SELinux label (user:role:type[:level])`);
    if (!selinuxEnabled())
      throw new CniError(
        Code.InvalidNetworkConfig,
        `selinuxContext: SELinux is not enabled on this node (no /sys/fs/selinux), so the tap cannot be created with label ${JSON.stringify(conf.selinuxContext)}; remove the key or enable SELinux`,
      );
  }
  return conf;
}

/**
 * `ip tuntap add` options, as the reference creates the tap: multi_queue, user, group; and, on
 * the reference's netlink path (owner and group both set, no selinuxContext), vnet_hdr.
 */
export function tuntapOptions(c: TapConf): Array<string | number> {
  const o: Array<string | number> = [];
  if (c.multiQueue) o.push('multi_queue');
  if (c.owner !== undefined) o.push('user', c.owner);
  if (c.group !== undefined) o.push('group', c.group);
  if (c.owner !== undefined && c.group !== undefined && c.selinuxContext === '') o.push('vnet_hdr');
  return o;
}

/** `link set` attributes after creation: mtu, address, and the bridge in the namespace (before the rename and up, as the reference). */
export function tapAttrs(c: TapConf): Array<string | number> {
  return [...(c.mtu ? ['mtu', c.mtu] : []), ...(c.mac ? ['address', c.mac] : []), ...(c.bridge ? ['master', c.bridge] : [])];
}
