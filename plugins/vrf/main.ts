// vrf: put the container interface into a VRF inside the container namespace, as
// containernetworking/plugins `plugins/meta/vrf` (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'vrf', add, del, check, warm });
