// tuning: sysctls and link attributes (MAC, MTU, promisc, allmulti, txqueuelen) of the container
// interface, as containernetworking/plugins `plugins/meta/tuning` (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'tuning', add, del, check, warm });
