// Pure planning for ipvlan ADD: the link to create, from the config and the master
// (containernetworking/plugins `plugins/main/ipvlan/ipvlan.go` createIpvlan).
import type { LinkSpec } from '../../shared/host/container-link.ts';
import type { IpvlanConf } from './config.ts';

export function ipvlanSpec(conf: IpvlanConf, netns: string, ifname: string, master: string): LinkSpec {
  return {
    netns,
    ifname,
    kind: 'ipvlan',
    parent: master,
    inContainer: conf.linkInContainer,
    attrs: conf.mtu > 0 ? ['mtu', conf.mtu] : [],
    type: ['ipvlan', 'mode', conf.mode],
  };
}
