// bridge: attaches a container to a Linux bridge on the host through a veth pair, with addresses
// from the IPAM plugin named in the config (reference-plugins §1).
import { runPlugin } from '../../shared/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { gc } from './gc.ts';

await runPlugin({ name: 'bridge', add, del, check, status, gc });
