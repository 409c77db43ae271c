// flannel: turns flanneld's subnet lease into a bridge + host-local configuration and delegates
// the attachment to it (flannel-io/cni-plugin; see plugins/flannel/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';
import { gc } from './gc.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({ name: 'flannel', add, del, check, status, gc, warm });
