// loopback: brings `lo` up inside the container's network namespace.
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'loopback', add, del, check, warm });
