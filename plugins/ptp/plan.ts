// Pure planning for ptp ADD (containernetworking/plugins `plugins/main/ptp/ptp.go` setupContainerVeth,
// setupHostVeth): the addresses, the host batch and the container's own routes, computed from the
// IPAM result before anything touches the kernel.
import { canonCidr, isV4, networkCidr, parseCidr, ipString } from '../../shared/host/addr.ts';
import { line, type PlannedLine } from '../../shared/host/iproute2.ts';
import { vethPairLine } from '../../shared/host/veth.ts';
import { sysctlPath } from '../../shared/host/sysctl.ts';
import type { IpConfig, Result } from '../../shared/cni/result.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';

/** A container address with its gateway: ptp routes everything, the subnet included, through it. */
export interface PtpIp extends IpConfig {
  gateway: string;
}

const hostBits = (a: string) => (isV4(a) ? 32 : 128);
const ipOf = (cidr: string) => {
  const c = parseCidr(cidr);
  if (!c) throw new CniError(Code.Internal, `invalid address "${cidr}" from IPAM`);
  return ipString(c.ip);
};

/**
 * Every IPAM address on the container end (interface 1 of [host veth, container]). An address
 * without a gateway cannot be reached point to point; the reference fails on it later, with a
 * netlink error, after the veth exists.
 */
export function ptpIps(ipam: Result): PtpIp[] {
  return (ipam.ips ?? []).map((ipc) => {
    if (!ipc.gateway) throw new CniError(Code.Internal, `IPAM returned ${ipc.address} without a gateway: ptp routes the container through it`);
    return { interface: 1, address: ipc.address, gateway: ipc.gateway };
  });
}

/** Forwarding on the host for each family the container has (the reference's ip.EnableForward). */
export function forwardingSysctls(ips: readonly IpConfig[]): Array<[string, string]> {
  const s: Array<[string, string]> = [];
  if (ips.some((i) => isV4(i.address))) s.push(['net/ipv4/ip_forward', '1']);
  if (ips.some((i) => !isV4(i.address))) s.push(['net/ipv6/conf/all/forwarding', '1']);
  return s;
}

/** The host end takes no router advertisements: it owns its routes (the reference's SetupVeth). */
export const hostSysctls = (hostVeth: string): Array<[string, string]> => [[sysctlPath('net', 'ipv6', 'conf', hostVeth, 'accept_ra'), '0']];

export interface HostPlanInput {
  hostVeth: string;
  ifname: string;
  netns: string;
  mtu: number;
  ips: readonly PtpIp[];
}

/**
 * The host side in one batch: the pair (container end straight into the namespace), the host end
 * up, each gateway as a host address (/32, /128, scope global) on it, a host-scope route to each
 * container address through it, and a closing `link show` for its MAC. The route is replaced, not
 * added: a stale route of a leaked veth would otherwise keep the address unreachable (the
 * reference ignores "exists").
 */
export function hostBatch(p: HostPlanInput): PlannedLine[] {
  const { hostVeth } = p;
  const lines: PlannedLine[] = [
    vethPairLine({ hostVeth, ifname: p.ifname, netns: p.netns, mtu: p.mtu }),
    { line: line('link', 'set', 'dev', hostVeth, 'up'), failure: `failed to set "${hostVeth}" up` },
  ];
  const gws = new Set<string>();
  for (const ipc of p.ips) {
    const gw = `${ipc.gateway}/${hostBits(ipc.gateway)}`;
    if (gws.has(gw)) continue;
    gws.add(gw);
    lines.push({ line: line('addr', 'add', gw, 'dev', hostVeth), failure: `failed to add IP addr ${gw} to veth` });
  }
  for (const ipc of p.ips) {
    const dst = `${ipOf(ipc.address)}/${hostBits(ipc.address)}`;
    lines.push({ line: line('route', 'replace', dst, 'dev', hostVeth, 'scope', 'host'), failure: 'failed to add route on host' });
  }
  lines.push({ line: line('link', 'show', 'dev', hostVeth), failure: `failed to lookup "${hostVeth}"` });
  return lines;
}

/**
 * The container's routes after ConfigureIface: the kernel's subnet route goes, replaced by a
 * link-scope route to the gateway alone and the subnet via the gateway, both with the address as
 * source. Every packet then goes to the host end, which answers ARP/ND for the gateway.
 */
export function containerRoutes(ifname: string, ips: readonly PtpIp[]): PlannedLine[] {
  const lines: PlannedLine[] = [];
  for (const ipc of ips) {
    const net = networkCidr(ipc.address);
    const src = ipOf(ipc.address);
    const gw = canonCidr(`${ipc.gateway}/${hostBits(ipc.gateway)}`);
    lines.push(
      { line: line('route', 'del', net, 'dev', ifname, 'proto', 'kernel'), failure: `failed to delete route ${net} dev ${ifname}` },
      { line: line('route', 'add', gw, 'dev', ifname, 'scope', 'link', 'src', src), failure: `failed to add route ${gw} dev ${ifname}` },
      {
        line: line('route', 'add', net, 'via', ipc.gateway, 'dev', ifname, 'src', src),
        failure: `failed to add route ${net} via ${ipc.gateway} dev ${ifname}`,
      },
    );
  }
  return lines;
}
