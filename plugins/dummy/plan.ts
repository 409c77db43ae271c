// dummy's pure parts: ADD's and CHECK's requests to shared/cni/attach.ts, the link to create and the
// dummy-specific part of CHECK.
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { AttachRequest, CheckRequest } from '../../shared/cni/attach.ts';
import type { LinkSpec } from '../../shared/host/container-link.ts';
import type { Link } from '../../shared/host/iproute2.ts';
import type { DummyConf } from './config.ts';

/**
 * Made directly inside the container (upstream since v1.9.0, PR #1205: made on the host first, it
 * could collide with a host link of the same name), under a temporary name like every other link.
 */
export const dummyLinkSpec = (netns: string, ifname: string): LinkSpec => ({ netns, ifname, kind: 'dummy', inContainer: true, type: ['dummy'] });

/** Upstream's CHECK also wants the link up. */
export function checkDummyLink(link: Link): void {
  if (!link.flags.includes('UP')) throw new CniError(Code.Internal, `Interface ${link.ifname} is down`);
}

/**
 * Nothing of a dummy is on the host, so IPAM runs while the link is made; a failure of either
 * takes back both (upstream deletes the link, but leaves the lease when ConfigureIface fails).
 * The config's `dns` when set, else IPAM's (upstream ignores the config's).
 */
export const attachRequest = (conf: DummyConf, netns: string, ifname: string): AttachRequest => ({
  link: () => dummyLinkSpec(netns, ifname),
  ipamType: conf.ipamType,
  dns: conf.raw.dns,
  sourceDns: true,
  ipamAlongside: true,
});

/** containernetworking/plugins `plugins/main/dummy/dummy.go` cmdCheck; the routes too (ADD made them). */
export const checkRequest = (conf: DummyConf): CheckRequest => ({ raw: conf.raw, ipamType: conf.ipamType, want: { kind: 'dummy' }, own: checkDummyLink });
