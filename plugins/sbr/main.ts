// sbr: source-based routing for a container interface (a rule and a table per address), as
// containernetworking/plugins `plugins/meta/sbr` (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'sbr', add, del, check, warm });
