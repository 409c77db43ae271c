// bandwidth: traffic shaping of a container's veth (TBF, and an IFB for egress), as
// containernetworking/plugins `plugins/meta/bandwidth` (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc } from './gc.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'bandwidth', add, del, check, gc, warm });
