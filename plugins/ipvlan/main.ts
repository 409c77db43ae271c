// ipvlan: gives a container its own addresses on a parent (master) link of the node, sharing its MAC,
// through an ipvlan link in the container's namespace, with addresses from the IPAM plugin named in the
// config or from prevResult (containernetworking/plugins `plugins/main/ipvlan/ipvlan.go`; see plugins/ipvlan/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc, status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'ipvlan',
  add,
  del,
  check,
  status,
  gc,
  warm,
  linked: [hostLocal, staticIpam],
});
