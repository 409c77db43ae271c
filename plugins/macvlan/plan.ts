// Pure planning for macvlan ADD: the link to create and the result, from the config, the master
// and the IPAM result (containernetworking/plugins `plugins/main/macvlan/macvlan.go` createMacvlan, cmdAdd).
import type { LinkSpec } from '../../shared/host/container-link.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { MacvlanConf } from './config.ts';

export function macvlanSpec(conf: MacvlanConf, netns: string, ifname: string, master: string): LinkSpec {
  return {
    netns,
    ifname,
    kind: 'macvlan',
    parent: master,
    inContainer: conf.linkInContainer,
    attrs: [...(conf.mtu > 0 ? ['mtu', conf.mtu] : []), ...(conf.mac ? ['address', conf.mac] : [])],
    type: ['macvlan', 'mode', conf.mode, ...(conf.bcqueuelen > 0 ? ['bcqueuelen', conf.bcqueuelen] : [])],
  };
}

/**
 * The reference's result: the container link only (its MAC as the kernel has it), every IPAM
 * address on interface 0, IPAM's routes, and the config's `dns` (IPAM's is not passed on).
 */
export function addResult(conf: Pick<MacvlanConf, 'raw'>, iface: { ifname: string; mac: string; netns: string }, ipam: Result | undefined): Result {
  const result: Result = { interfaces: [{ name: iface.ifname, mac: iface.mac, sandbox: iface.netns }] };
  if (ipam) {
    result.ips = (ipam.ips ?? []).map((i) => ({ ...i, interface: 0 }));
    if (ipam.routes?.length) result.routes = ipam.routes;
  }
  if (conf.raw.dns) result.dns = conf.raw.dns;
  return result;
}
