// Pure planning for macvlan ADD: the link to create, from the config and the master
// (containernetworking/plugins `plugins/main/macvlan/macvlan.go` createMacvlan).
import type { LinkSpec } from '../../shared/host/container-link.ts';
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
