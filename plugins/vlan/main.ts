// vlan: an 802.1Q VLAN link on a master interface, moved into the container and given addresses
// from the IPAM plugin (containernetworking/plugins `plugins/main/vlan/vlan.go`; see plugins/vlan/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { linkInProcess } from '../../shared/cni/ipam.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

// As bridge: our own host-local in CNI_PATH runs in this process.
linkInProcess('host-local', hostLocal);
await runPlugin({
  name: 'vlan',
  add,
  del,
  check,
  status,
  warm: () => {
    warm();
    hostLocal.warm?.();
  },
});
