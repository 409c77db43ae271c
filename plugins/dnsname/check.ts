// CHECK: the network's dnsmasq runs, its files exist in the network's directory (the reference
// looks in the root directory and so always fails), dnsmasq.conf serves this bridge, and addnhosts
// has this attachment's lines.
import { existsSync } from 'node:fs';
import type { Ctx } from '../../shared/cni/skel.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { parseDnsnameConf, requirePrev } from './config.ts';
import { confInterface, pathsOf } from './files.ts';
import { attachmentIps, bridgeOf, namesOf } from './plan.ts';
import { readState, readText } from './store.ts';
import { requireDnsmasq, runningPid } from './dnsmasq.ts';
import { lockNetwork } from './network.ts';

const fail = (msg: string) => new CniError(Code.Internal, msg);

export async function check(ctx: Ctx): Promise<void> {
  const conf = parseDnsnameConf(ctx.raw, ctx.env.args, process.env.XDG_RUNTIME_DIR);
  requireDnsmasq(process.env.PATH);
  const prev = requirePrev(conf, ctx.cniVersion);
  const bridge = bridgeOf(prev);
  const ips = attachmentIps(prev);
  const names = namesOf(conf.podName, conf.aliases);
  const p = pathsOf(conf.dir);
  const lock = await lockNetwork(p, false);
  if (!lock) throw fail(`dnsname: no directory ${p.dir} for network ${conf.network}`);
  try {
    if (runningPid(p.pid, p.conf) === undefined) throw fail('dnsmasq instance not running');
    if (!existsSync(p.hosts)) throw fail('addnhost file missing from configuration');
    const confText = readText(p.conf);
    if (confText === undefined) throw fail('dnsmasq.conf file missing from configuration');
    const served = confInterface(confText);
    if (served !== bridge) throw fail(`dnsmasq.conf serves interface ${served ?? '(none)'}, not the bridge ${bridge}`);
    if (names.length === 0) return;
    const { lines } = readState(p);
    for (const ip of ips) {
      if (!lines.some((l) => l.ip === ip && l.names[0] === names[0])) throw fail(`addnhosts has no entry for ${ip} ${names[0]}`);
    }
  } finally {
    lock.release();
  }
}
