// ptp: a point-to-point veth pair between the container and the host, the container routed through
// a gateway address on the host end, with addresses from the IPAM plugin named in the config
// (containernetworking/plugins `plugins/main/ptp/ptp.go`; see plugins/ptp/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { gc } from './gc.ts';
import { warm } from './warm.ts';

// ptp is mostly used with host-local: when CNI_PATH holds our own build of it, its code runs here
// instead of in a second process.
await runPlugin({
  name: 'ptp',
  add,
  del,
  check,
  status,
  gc,
  warm,
  linked: [hostLocal, staticIpam],
});
