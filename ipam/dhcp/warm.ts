// Package-time warming of dhcp's pure paths (see shared/cni/warm.ts): config, options, packets, leases.
import { attempt } from '../../shared/cni/warm.ts';
import { clientOptions, loadConf } from './config.ts';
import { message, resendDelays } from './exchange.ts';
import { decode, encode, MsgType, Opt } from './packet.ts';
import { fromAck, leaseResult } from './lease.ts';
import { parseFlags } from './daemon.ts';

export function warm(): void {
  attempt(() => {
    const c = loadConf({ name: 'warm', ipam: { type: 'dhcp', provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }], request: [{ option: '121' }] } });
    const opts = clientOptions(c.ipam, 'K8S_POD_NAME=warm');
    const m = message(MsgType.DISCOVER, { clientId: 'warm/warm/eth0', opts }, '02:00:00:00:00:01', 1);
    const back = decode(encode(m));
    if (back) {
      back.options.set(Opt.SubnetMask, Buffer.from([255, 255, 255, 0]));
      back.options.set(Opt.Router, Buffer.from([10, 0, 0, 1]));
      back.options.set(Opt.ClasslessRoutes, Buffer.from([24, 10, 1, 0, 10, 0, 0, 1]));
      leaseResult(fromAck(back, { clientId: 'w', containerId: 'w', network: 'w', netns: '/w', ifname: 'eth0', opts, priority: 5 }, 0));
    }
  });
  attempt(() => resendDelays(62_000, 208_000));
  attempt(() => parseFlags(['-socketpath', '/run/cni/dhcp.sock', '-timeout=5s', '-broadcast']));
}
