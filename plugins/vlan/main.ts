// vlan: an 802.1Q VLAN link on a master interface, moved into the container and given addresses
// from the IPAM plugin (containernetworking/plugins `plugins/main/vlan/vlan.go`; see plugins/vlan/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'vlan',
  add,
  del,
  check,
  status,
  warm,
  linked: [hostLocal, staticIpam],
});
