// dummy's pure parts: the link to create and the dummy-specific part of CHECK.
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { LinkSpec } from '../../shared/host/container-link.ts';
import type { Link } from '../../shared/host/iproute2.ts';

/**
 * Made directly inside the container (upstream since v1.9.0, PR #1205: made on the host first, it
 * could collide with a host link of the same name), under a temporary name like every other link.
 */
export const dummyLinkSpec = (netns: string, ifname: string): LinkSpec => ({ netns, ifname, kind: 'dummy', inContainer: true, type: ['dummy'] });

/** Upstream's CHECK also wants the link up. */
export function checkDummyLink(link: Link): void {
  if (!link.flags.includes('UP')) throw new CniError(Code.Internal, `Interface ${link.ifname} is down`);
}
