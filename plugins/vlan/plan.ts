// vlan's pure parts: the link to create, the MTU check against the master, CHECK of the link.
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
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

/** An MTU above the master's, as upstream's loadConf refuses it (with the master named). */
export function mtuProblem(conf: VlanConf, masterMtu: number | undefined): CniError | undefined {
  if (conf.mtu === 0 || masterMtu === undefined || conf.mtu <= masterMtu) return undefined;
  return invalidConfig(`mtu: invalid MTU ${conf.mtu}, must be [0, master MTU(${masterMtu})] (master "${conf.master}")`);
}

/** The VLAN-specific part of CHECK (upstream's validateCniContainerInterface): the VLAN ID, and the MTU when configured. */
export function checkVlanLink(conf: VlanConf, link: Link): void {
  const data = (link.linkinfo?.info_data ?? {}) as { id?: number };
  if (data.id !== conf.vlanId) throw fail(`Error: Container interface ${link.ifname} has VLAN ID ${data.id ?? 'none'}, configured vlanId is ${conf.vlanId}`);
  if (conf.mtu !== 0 && link.mtu !== conf.mtu) throw fail(`Error: configured MTU of ${link.ifname} is ${conf.mtu}, current value is ${link.mtu}`);
}
