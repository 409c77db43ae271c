// dhcp IPAM: addresses from a DHCP server, through `dhcp daemon`, which holds and renews the leases
// (containernetworking/plugins `plugins/ipam/dhcp`; see ipam/dhcp/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add, check, del, gc, status } from './verbs.ts';
import { runDaemon } from './daemon.ts';
import { runExchange } from './exchange-main.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'dhcp', add, del, check, status, gc, warm, commands: { daemon: runDaemon, exchange: runExchange } });
