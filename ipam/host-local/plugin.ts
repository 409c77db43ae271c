// host-local IPAM: allocates addresses from configured ranges, leases kept as files on the host.
import type { Plugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc } from './gc.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

export const hostLocal: Plugin = { name: 'host-local', add, del, check, gc, status, warm };
