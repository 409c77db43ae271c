// veth pairs (bridge, ptp): the host end under a random name, the container end created straight
// into the container's namespace under its final name, in the same netlink request.
import { randomBytes } from 'node:crypto';
import { line, type PlannedLine } from './iproute2.ts';

/** `veth` + 8 lowercase hex digits, as the reference names the host end (ip.RandomVethName). */
export const randomVethName = (): string => `veth${randomBytes(4).toString('hex')}`;

export interface VethPair {
  hostVeth: string;
  ifname: string;
  netns: string;
  /** 0: the kernel's default */
  mtu: number;
  containerMac?: string;
}

/** The `ip link add` line of the pair; "File exists" on it means the container end's name is taken. */
export function vethPairLine(p: VethPair): PlannedLine & { creates: 'veth' } {
  const mtu = p.mtu > 0 ? ['mtu', p.mtu] : [];
  const mac = p.containerMac ? ['address', p.containerMac] : [];
  return {
    line: line('link', 'add', p.hostVeth, ...mtu, 'type', 'veth', 'peer', 'name', p.ifname, ...mtu, ...mac, 'netns', p.netns),
    failure: 'failed to make veth pair',
    creates: 'veth',
  };
}
