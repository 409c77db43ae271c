// static IPAM: hands out exactly the addresses it is given; no state on the host.
import type { Plugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { warm } from './warm.ts';

// DEL, STATUS and GC have nothing to do: nothing was reserved, nothing is kept (as the reference,
// whose DEL returns at once and which leaves STATUS and GC to skel's default success).
const nothing = async (): Promise<void> => undefined;

export const staticIpam: Plugin = { name: 'static', add, del: nothing, check, status: nothing, gc: nothing, warm };
