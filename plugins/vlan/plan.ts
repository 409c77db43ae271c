// vlan's pure parts: ADD's and CHECK's requests to shared/cni/attach.ts, the link to create, CHECK of the link.
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { AttachRequest, CheckRequest } from '../../shared/cni/attach.ts';
import type { LinkSpec } from '../../shared/host/container-link.ts';
import type { Link } from '../../shared/host/iproute2.ts';
import type { VlanConf } from './config.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

/** The 802.1Q link on the master (protocol left to the kernel's default, 802.1Q, as upstream's netlink.Vlan). */
export function vlanLinkSpec(conf: VlanConf, netns: string, ifname: string): LinkSpec {
  return {
    netns,
    ifname,
    kind: 'vlan',
    parent: conf.master,
    inContainer: conf.linkInContainer,
    attrs: conf.mtu > 0 ? ['mtu', conf.mtu] : [],
    type: ['vlan', 'id', conf.vlanId],
    // The temporary name is random: "exists" from the kernel means the VLAN ID (upstream #243).
    exists: `VLAN ID ${conf.vlanId} is already in use on master "${conf.master}": the kernel allows one VLAN link per ID on a master, whichever namespace holds it`,
  };
}

/** The VLAN-specific part of CHECK (upstream's validateCniContainerInterface): the VLAN ID, and the MTU when configured. */
export function checkVlanLink(conf: VlanConf, link: Link): void {
  const data = (link.linkinfo?.info_data ?? {}) as { id?: number };
  if (data.id !== conf.vlanId) throw fail(`Error: Container interface ${link.ifname} has VLAN ID ${data.id ?? 'none'}, configured vlanId is ${conf.vlanId}`);
  if (conf.mtu !== 0 && link.mtu !== conf.mtu) throw fail(`Error: configured MTU of ${link.ifname} is ${conf.mtu}, current value is ${link.mtu}`);
}

const masterOf = (conf: VlanConf, netns: string) => ({ master: conf.master, netns, inContainer: conf.linkInContainer });

/**
 * The VLAN link first, as upstream: a missing master or a VLAN ID in use fails before IPAM hands
 * out anything; only a configured MTU needs the master looked at before (upstream's loadConf).
 * The config's `dns` when set, else IPAM's (as bridge).
 */
export const attachRequest = (conf: VlanConf, netns: string, ifname: string): AttachRequest => ({
  link: () => vlanLinkSpec(conf, netns, ifname),
  master: masterOf(conf, netns),
  mtu: conf.mtu,
  ipamType: conf.ipamType,
  dns: conf.raw.dns,
  sourceDns: true,
});

/** containernetworking/plugins `plugins/main/vlan/vlan.go` cmdCheck: the master must exist, looked up once prevResult is read. */
export const checkRequest = (conf: VlanConf, netns: string): CheckRequest => ({
  raw: conf.raw,
  ipamType: conf.ipamType,
  want: { kind: 'vlan' },
  own: (link) => checkVlanLink(conf, link),
  master: masterOf(conf, netns),
  masterLate: true,
});
