// macvlan: gives a container its own MAC address on a parent (master) link of the node, through a
// macvlan link in the container's namespace, with addresses from the IPAM plugin named in the
// config (containernetworking/plugins `plugins/main/macvlan/macvlan.go`; see plugins/macvlan/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc, status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'macvlan',
  add,
  del,
  check,
  status,
  gc,
  warm,
  linked: [hostLocal, staticIpam],
});
