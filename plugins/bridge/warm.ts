// Package-time warming of bridge's pure path (see shared/cni/warm.ts): config, gateways, batches, rules.
import { attempt, WARM_NETNS, WARM_RESULT } from '../../shared/cni/warm.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';
import { iptSetupLines, iptKnownTeardownLines, masqAddr, nftSetupScript } from '../../shared/host/ipmasq.ts';
import { loadConf } from './config.ts';
import { bridgeL3Batch, calcGateways, forwardingSysctls, gatewayBatch, hostBatch, hostSysctls, linkSysctls, vlanBatch } from './plan.ts';
import { spoofSetupScript } from './macspoof.ts';
import { ifaceBatch, ipv6Sysctls } from '../../shared/host/iface.ts';

const IPAM = { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] };

export function warm(): void {
  const raws = [
    { cniVersion: '1.1.0', name: 'warm', type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: true, ipam: IPAM },
    { cniVersion: '0.3.1', name: 'warm', type: 'bridge', bridge: 'cni0', isDefaultGateway: true, hairpinMode: true, mtu: 1400, ipam: IPAM },
    { cniVersion: '1.1.0', name: 'warm', type: 'bridge', promiscMode: true, forceAddress: true, ipam: IPAM },
    {
      cniVersion: '1.0.0',
      name: 'warm',
      type: 'bridge',
      macspoofchk: true,
      vlan: 10,
      ipMasqBackend: 'nftables',
      args: { cni: { mac: '02:00:00:00:00:09' } },
      ipam: IPAM,
    },
    { cniVersion: '1.0.0', name: 'warm', type: 'bridge', vlanTrunk: [{ minID: 100, maxID: 110 }, { id: 5 }], ipam: {} },
    { cniVersion: '1.1.0', name: 'warm', type: 'bridge', bridge: 'a b', mtu: -1 },
  ];
  for (const raw of raws) {
    attempt(() => {
      const conf = loadConf(raw, 'IgnoreUnknown=1;MAC=02:00:00:00:00:0a');
      const plan = calcGateways(conf, WARM_RESULT);
      const gw = gatewayBatch(conf, conf.bridge, [{ family: 4, cidr: '10.250.0.1/24' }], plan.gateways);
      for (const bridge of [
        { exists: false, mac: '02:00:00:00:00:01' },
        { exists: true, pinned: false, mac: '02:00:00:00:00:01' },
      ] as const) {
        hostBatch({ conf, netns: WARM_NETNS, ifname: 'eth0', hostVeth: 'veth00000000', containerMac: '02:00:00:00:00:03', bridge });
      }
      hostSysctls(conf.bridge, 'veth00000000');
      forwardingSysctls(plan.gateways);
      bridgeL3Batch(
        conf.bridge,
        plan.ips.map((i) => i.address),
        gw,
      );
      vlanBatch(conf, 'veth00000000', 1);
      linkSysctls(conf, 'eth0');
      ipv6Sysctls('eth0', plan.ips);
      ifaceBatch({ ifname: 'eth0', index: 2, ips: plan.ips, routes: plan.routes });
      const addrs = plan.ips.map((i) => masqAddr(i.address));
      iptSetupLines(
        conf.name,
        'warm',
        addrs.filter((a) => a.family === 4),
      );
      iptKnownTeardownLines(conf.name, 'warm', addrs);
      nftSetupScript(conf.name, 'eth0', 'warm', addrs, [{ handle: 1, comment: 'x' }]);
      spoofSetupScript('warm', 'eth0', 'veth00000000', '02:00:00:00:00:03');
    });
  }
  attempt(() =>
    parseLinks([{ ifindex: 2, ifname: 'eth0', address: '02:00:00:00:00:03', addr_info: [{ family: 'inet', local: '10.250.0.2', prefixlen: 24 }] }]),
  );
}
