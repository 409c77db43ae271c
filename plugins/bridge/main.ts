// bridge: attaches a container to a Linux bridge on the host through a veth pair, with addresses
// from the IPAM plugin named in the config (containernetworking/plugins `plugins/main/bridge/bridge.go`; see plugins/bridge/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { gc } from './gc.ts';
import { warm } from './warm.ts';

// host-local is by far the most common IPAM, and static the usual one of Multus secondary networks:
// when CNI_PATH holds our own build of either, its code runs here instead of in a second process
// (shared/cni/linked.ts). Every main plugin links both.
await runPlugin({
  name: 'bridge',
  add,
  del,
  check,
  status,
  gc,
  warm,
  linked: [hostLocal, staticIpam],
});
