// dummy: a dummy link made inside the container namespace and given addresses from the IPAM plugin
// (containernetworking/plugins `plugins/main/dummy/dummy.go`; see plugins/dummy/README.md).
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
  name: 'dummy',
  add,
  del,
  check,
  status,
  warm: () => {
    warm();
    hostLocal.warm?.();
  },
});
