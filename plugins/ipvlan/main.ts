// ipvlan: gives a container its own addresses on a parent (master) link of the node, sharing its MAC,
// through an ipvlan link in the container's namespace, with addresses from the IPAM plugin named in the
// config or from prevResult (containernetworking/plugins `plugins/main/ipvlan/ipvlan.go`; see plugins/ipvlan/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { linkInProcess } from '../../shared/cni/ipam.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { gc, status } from './status.ts';
import { warm } from './warm.ts';

// host-local of the same build runs in this process (see plugins/bridge/main.ts).
linkInProcess('host-local', hostLocal);
await runPlugin({
  name: 'ipvlan',
  add,
  del,
  check,
  status,
  gc,
  warm: () => {
    warm();
    hostLocal.warm?.();
  },
});
