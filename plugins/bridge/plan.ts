// Pure planning for bridge ADD: gateways, routes, sysctls and the ip batch scripts, computed
// from the config and the IPAM result before anything touches the kernel.
import { canonCidr, inCidr, ipString, isV4, networkOf, nextIp, parseCidr } from '../../shared/host/addr.ts';
import { line, type PlannedLine } from '../../shared/host/iproute2.ts';
import { vethPairLine } from '../../shared/host/veth.ts';
import type { IpConfig, Result, Route } from '../../shared/cni/result.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { sysctlPath } from '../../shared/host/sysctl.ts';
import type { BridgeConf } from './config.ts';

export interface Gateway {
  /** gateway/len (the IP's mask) */
  cidr: string;
  family: 4 | 6;
}

export interface L3Plan {
  ips: IpConfig[];
  routes: Route[];
  gateways: Gateway[];
}

/** First usable address of the IP's network (the reference's calcGatewayIP: network + 1). */
export function gatewayFor(cidr: string): string {
  const c = parseCidr(cidr);
  if (!c) throw new CniError(Code.Internal, `invalid address "${cidr}" from IPAM`);
  return ipString(nextIp(networkOf(c)));
}

const prefixLen = (cidr: string) => Number(cidr.split('/')[1]);
const isDefault = (dst: string) => dst === '0.0.0.0/0' || dst === '::/0';

/**
 * The reference's calcGateways: every IP on interface 2, a gateway per IP when isGateway, a
 * default route per family when isDefaultGateway. Unlike the reference, an IPAM default route
 * without a gateway counts as present (it gets the gateway at route time), so the two never clash.
 */
export function calcGateways(conf: BridgeConf, ipam: Result): L3Plan {
  const ips: IpConfig[] = [];
  const routes: Route[] = [...(ipam.routes ?? [])];
  const gateways: Gateway[] = [];
  const defaultDone = { 4: false, 6: false };
  for (const ipc of ipam.ips ?? []) {
    const family = isV4(ipc.address) ? 4 : 6;
    const out: IpConfig = { interface: 2, address: ipc.address, ...(ipc.gateway ? { gateway: ipc.gateway } : {}) };
    if (!out.gateway && conf.isGateway) out.gateway = gatewayFor(ipc.address);
    if (conf.isDefaultGateway && !defaultDone[family]) {
      const found = routes.some((r) => isDefault(r.dst) && (isV4(r.dst) ? 4 : 6) === family);
      if (!found) routes.push({ dst: family === 4 ? '0.0.0.0/0' : '::/0', ...(out.gateway ? { gw: out.gateway } : {}) });
      defaultDone[family] = true;
    }
    if (conf.isGateway && out.gateway) gateways.push({ cidr: `${out.gateway}/${prefixLen(ipc.address)}`, family });
    ips.push(out);
  }
  return { ips, routes, gateways };
}

/**
 * sysctls set inside the container before its addresses are added (containernetworking/plugins
 * `plugins/main/bridge/bridge.go` cmdAdd, and `pkg/ipam/ipam_linux.go` ConfigureIface for IPv6).
 * The link's own knobs need no address, so they are set while IPAM runs.
 */
export function linkSysctls(conf: BridgeConf, ifname: string): Array<[string, string]> {
  const s: Array<[string, string]> = [];
  if (conf.enabledad) {
    s.push([sysctlPath('net', 'ipv6', 'conf', ifname, 'enhanced_dad'), '1']);
    s.push([sysctlPath('net', 'ipv6', 'conf', ifname, 'accept_dad'), '1']);
  } else {
    s.push([sysctlPath('net', 'ipv6', 'conf', ifname, 'accept_dad'), '0']);
  }
  s.push([sysctlPath('net', 'ipv4', 'conf', ifname, 'arp_notify'), '1']);
  return s;
}

export interface HostPlanInput {
  conf: BridgeConf;
  netns: string;
  ifname: string;
  hostVeth: string;
  containerMac: string;
  /** Bridge state before the batch: absent, or present with whether its MAC is pinned already. */
  bridge: { exists: false; mac: string } | { exists: true; pinned: boolean; mac: string };
}

/** A host link batch line; `creates` marks the lines whose "File exists" means something. */
export interface HostLine extends PlannedLine {
  creates?: 'bridge' | 'veth';
}

/**
 * Host-side link batch: bridge, veth pair (container end created straight into the netns), port
 * flags. It needs nothing from IPAM, so it runs while IPAM does.
 */
export function hostBatch(p: HostPlanInput): HostLine[] {
  const { conf, hostVeth, ifname } = p;
  const br = conf.bridge;
  const mtu = conf.mtu > 0 ? ['mtu', conf.mtu] : [];
  const onBridge = `failed to create bridge "${br}"`;
  const onPort = `failed to set up the host side of "${ifname}"`;
  const lines: HostLine[] = [];
  if (!p.bridge.exists) {
    // Created with an explicit MAC: addr_assign_type "set", so it never follows its ports' MACs.
    const vf = conf.vlan !== 0 || conf.trunk !== undefined ? ['vlan_filtering', 1] : [];
    lines.push({ line: line('link', 'add', br, 'address', p.bridge.mac, ...mtu, 'type', 'bridge', ...vf), failure: onBridge, creates: 'bridge' });
  } else if (!p.bridge.pinned) {
    lines.push({ line: line('link', 'set', 'dev', br, 'address', p.bridge.mac), failure: onBridge });
  }
  if (conf.promiscMode) lines.push({ line: line('link', 'set', 'dev', br, 'promisc', 'on'), failure: onBridge });
  lines.push({ line: line('link', 'set', 'dev', br, 'up'), failure: onBridge });
  lines.push(vethPairLine({ hostVeth, ifname, netns: p.netns, mtu: conf.mtu, containerMac: p.containerMac }));
  lines.push({ line: line('link', 'set', 'dev', hostVeth, 'master', br), failure: onPort });
  lines.push({
    line: line(
      'link',
      'set',
      'dev',
      hostVeth,
      'type',
      'bridge_slave',
      'hairpin',
      conf.hairpinMode ? 'on' : 'off',
      'isolated',
      conf.portIsolation ? 'on' : 'off',
    ),
    failure: onPort,
  });
  lines.push({ line: line('link', 'set', 'dev', hostVeth, 'up'), failure: onPort });
  return lines;
}

/** The host's own sysctls for the bridge and the port: neither takes router advertisements. */
export const hostSysctls = (bridge: string, hostVeth: string): Array<[string, string]> => [
  [sysctlPath('net', 'ipv6', 'conf', bridge, 'accept_ra'), '0'],
  [sysctlPath('net', 'ipv6', 'conf', hostVeth, 'accept_ra'), '0'],
];

/** Forwarding on the host for each family the bridge is a gateway of. */
export function forwardingSysctls(gateways: readonly Gateway[]): Array<[string, string]> {
  const s: Array<[string, string]> = [];
  if (gateways.some((g) => g.family === 4)) s.push(['net/ipv4/ip_forward', '1']);
  if (gateways.some((g) => g.family === 6)) s.push(['net/ipv6/conf/all/forwarding', '1']);
  return s;
}

/**
 * The bridge's layer 3, once IPAM has answered: stale neighbour entries of the container's
 * addresses go (an address may come back with a new MAC), then the gateway lines (gatewayBatch).
 */
export function bridgeL3Batch(bridge: string, containerIps: readonly string[], gatewayLines: readonly string[]): PlannedLine[] {
  return [
    ...containerIps.map((ip) => ({
      line: line('neigh', 'flush', 'to', ip.split('/')[0]!, 'dev', bridge),
      failure: `failed to flush stale neighbours on "${bridge}"`,
    })),
    ...gatewayLines.map((l) => ({ line: l, failure: 'failed to set bridge addr' })),
  ];
}

/** `bridge -batch` lines for the port's VLANs (containernetworking/plugins `plugins/main/bridge/bridge.go` setupVeth). */
export function vlanBatch(conf: BridgeConf, hostVeth: string, defaultPvid: number): string[] {
  if (conf.vlan === 0 && conf.trunk === undefined) return [];
  const lines: string[] = [];
  if (!conf.preserveDefaultVlan && defaultPvid > 0) lines.push(line('vlan', 'del', 'dev', hostVeth, 'vid', defaultPvid));
  if (conf.vlan !== 0) lines.push(line('vlan', 'add', 'dev', hostVeth, 'vid', conf.vlan, 'pvid', 'untagged'));
  for (const v of conf.trunk ?? []) if (v !== conf.vlan) lines.push(line('vlan', 'add', 'dev', hostVeth, 'vid', v));
  if (conf.vlan === 0 && conf.trunk !== undefined) lines.push(line('vlan', 'add', 'dev', hostVeth, 'vid', 1, 'pvid', 'untagged'));
  return lines;
}

export interface BridgeAddr {
  family: 4 | 6;
  cidr: string;
}

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  return inCidr(x.ip, { ip: y.ip, prefix: Math.min(x.prefix, y.prefix) });
}

/**
 * ensureAddr for every gateway: an equal address is kept; a different IPv4 address (or an
 * overlapping IPv6 prefix) is an error unless forceAddress, which replaces it.
 */
export function gatewayBatch(conf: BridgeConf, dev: string, current: readonly BridgeAddr[], gateways: readonly Gateway[]): string[] {
  const lines: string[] = [];
  const have = current.map((a) => ({ ...a, cidr: canonCidr(a.cidr) }));
  for (const g of gateways) {
    const want = canonCidr(g.cidr);
    if (have.some((a) => a.cidr === want)) continue;
    const conflicts = have.filter((a) => a.family === g.family && (g.family === 4 || overlaps(a.cidr, want)));
    if (conflicts.length && !conf.forceAddress) {
      throw new CniError(Code.Internal, `failed to set bridge addr: "${dev}" already has an IP address different from ${want}`);
    }
    for (const c of conflicts) {
      lines.push(line('addr', 'del', c.cidr, 'dev', dev));
      have.splice(have.indexOf(c), 1);
    }
    // replace, not add: a concurrent ADD of the same network may have put it there meanwhile.
    lines.push(g.family === 4 ? line('addr', 'replace', want, 'brd', '+', 'dev', dev) : line('addr', 'replace', want, 'dev', dev));
    have.push({ family: g.family, cidr: want });
  }
  return lines;
}
