// Pure planning for macvlan: ADD's and CHECK's requests to shared/cni/attach.ts, and the link to
// create from the config and the master (containernetworking/plugins `plugins/main/macvlan/macvlan.go`
// createMacvlan).
import type { AttachRequest, CheckRequest } from '../../shared/cni/attach.ts';
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

const masterOf = (conf: MacvlanConf, netns: string) => ({ master: conf.master, netns, inContainer: conf.linkInContainer });

/** The link before IPAM, as the reference, so a bad master never takes a lease; the result's `dns` is the config's only. */
export const attachRequest = (conf: MacvlanConf, netns: string, ifname: string): AttachRequest => ({
  link: (master) => macvlanSpec(conf, netns, ifname, master),
  master: masterOf(conf, netns),
  mtu: conf.mtu,
  ipamType: conf.ipamType,
  dns: conf.raw.dns,
  notify: true,
});

/** containernetworking/plugins `plugins/main/macvlan/macvlan.go` cmdCheck: the master and MTU, IPAM, the link's kind, mode and MAC, its addresses and routes. */
export const checkRequest = (conf: MacvlanConf, netns: string): CheckRequest => ({
  raw: conf.raw,
  ipamType: conf.ipamType,
  want: { kind: 'macvlan', mode: conf.mode },
  master: masterOf(conf, netns),
  mtu: conf.mtu,
});
