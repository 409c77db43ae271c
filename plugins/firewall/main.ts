// firewall: lets a container's traffic through the host's FORWARD chain (iptables or firewalld),
// and with ingressPolicy same-bridge isolates bridges from each other (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc } from './gc.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'firewall', add, del, check, gc, status, warm });
