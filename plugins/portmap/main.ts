// portmap: publishes container ports on the host from runtimeConfig.portMappings (chained plugin).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc } from './gc.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'portmap', add, del, check, gc, status, warm });
