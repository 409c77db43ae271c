// Pure planning for ipvlan: ADD's and CHECK's requests to shared/cni/attach.ts, and the link to
// create from the config and the master (containernetworking/plugins `plugins/main/ipvlan/ipvlan.go`
// createIpvlan).
import type { AttachRequest, CheckRequest } from '../../shared/cni/attach.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import type { LinkSpec } from '../../shared/host/container-link.ts';
import { addressSource, parseMode, type IpvlanConf, type IpvlanConfRaw } from './config.ts';

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

/**
 * As macvlan's: the link before the addresses (IPAM's, or a chained ipvlan's prevResult's), the
 * config's `dns` only. Unlike the reference (the kernel's "invalid argument"), an MTU above the
 * master's is a config error.
 */
export function attachRequest(conf: IpvlanConf, netns: string, ifname: string): AttachRequest {
  const chained = addressSource(conf) === 'prev';
  return {
    link: (master) => ipvlanSpec(conf, netns, ifname, master),
    master: { master: conf.master, netns, inContainer: conf.linkInContainer },
    mtu: conf.mtu,
    ipamType: chained ? '' : conf.ipamType,
    chained: chained ? conf.prev : undefined,
    dns: conf.raw.dns,
    notify: true,
  };
}

/**
 * containernetworking/plugins `plugins/main/ipvlan/ipvlan.go` cmdCheck: the master, IPAM, the link's
 * kind, mode and MAC, its addresses and routes. prevResult here is the ipvlan's own result, so an
 * omitted master is the default route's interface when there is IPAM, and unknown when chained
 * (the reference then looks up a link named "" and fails).
 */
export function checkRequest(raw: IpvlanConfRaw, netns: string): CheckRequest {
  const master = raw.master ?? '';
  if (master !== '') assertIfname(master, 'master');
  const ipamType = raw.ipam?.type ?? '';
  const known = master !== '' || ipamType !== '';
  return {
    raw,
    ipamType,
    want: { kind: 'ipvlan', mode: parseMode(raw.mode) },
    ...(known ? { master: { master, netns, inContainer: raw.linkInContainer ?? false } } : {}),
    mtu: raw.mtu ?? 0,
  };
}
