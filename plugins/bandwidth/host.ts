// The host end of the container's veth (main.go getHostInterface): the container interface's peer
// index, looked up among the links of the namespace the plugin runs in, and named in prevResult.
import { ipBatch, parseLinks, type Link } from '../../shared/host/iproute2.ts';
import { line } from '../../shared/host/iproute2.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Interface } from '../../shared/cni/result.ts';

export interface HostVeth {
  name: string;
  mtu: number;
}

/** The pure part: from the container link and the host's links to the host veth, or the reference's error. */
export function hostVethOf(ifname: string, container: Link | undefined, hostLinks: readonly Link[], interfaces: readonly Interface[]): HostVeth {
  if (!container) throw new CniError(Code.Internal, `container interface ${ifname} has no veth peer: Link not found`);
  const kind = container.linkinfo?.info_kind;
  if (kind !== 'veth') {
    throw new CniError(
      Code.Internal,
      `container interface ${ifname} has no veth peer: it is ${kind ? `a ${kind}` : 'not a veth'} link; bandwidth shapes the host end of a veth pair (bridge, ptp)`,
    );
  }
  const peer = container.link_index;
  if (peer === undefined || peer <= 0) throw new CniError(Code.Internal, `container interface ${ifname} has no veth peer: no peer index`);
  const host = hostLinks.find((l) => l.ifindex === peer);
  if (!host) throw new CniError(Code.Internal, `veth peer with index ${peer} is not in host ns`);
  if (!interfaces.some((i) => !i.sandbox && i.name === host.ifname)) {
    throw new CniError(Code.Internal, 'no veth peer of container interface found in host ns');
  }
  return { name: host.ifname, mtu: host.mtu ?? 1500 };
}

/** Both reads in one round: the container interface (in its namespace) and the host's links. */
export async function findHostVeth(netns: string, ifname: string, interfaces: readonly Interface[]): Promise<HostVeth> {
  if (interfaces.length === 0) throw new CniError(Code.Internal, 'no interfaces provided');
  const [c, h] = await Promise.all([
    ipBatch([line('link', 'show', 'dev', ifname)], { netns, json: true, details: true, allowFail: true }),
    ipBatch([line('link', 'show')], { json: true }),
  ]);
  const container = c.exitCode === 0 ? parseLinks(c.outputs[0] ?? [])[0] : undefined;
  return hostVethOf(ifname, container, parseLinks(h.outputs[0] ?? []), interfaces);
}
