// dummy: a dummy link made inside the container namespace and given addresses from the IPAM plugin
// (containernetworking/plugins `plugins/main/dummy/dummy.go`; see plugins/dummy/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'dummy',
  add,
  del,
  check,
  status,
  warm,
  linked: [hostLocal, staticIpam],
});
