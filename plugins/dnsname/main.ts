// dnsname: container names served by a per-network dnsmasq, as containers/dnsname v1.3.1
// `plugins/meta/dnsname` (chained after bridge).
import { runPlugin } from '../../shared/cni/skel.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc } from './gc.ts';
import { findDnsmasq } from './dnsmasq.ts';
import { warm } from './warm.ts';

async function status(): Promise<void> {
  if (!findDnsmasq(process.env.PATH)) throw new CniError(Code.PluginNotAvailable, 'unable to locate dnsmasq in path (Debian package dnsmasq-base)');
}

await runPlugin({ name: 'dnsname', add, del, check, gc, status, warm });
