// tap: a persistent tap device made inside the container (for VMs in pods: KubeVirt, Kata),
// optionally a port of a bridge there, as containernetworking/plugins `plugins/main/tap/tap.go`
// (see plugins/tap/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'tap',
  add,
  del,
  check,
  status,
  warm,
  linked: [hostLocal, staticIpam],
});
