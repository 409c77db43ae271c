// host-device: moves a device of the node (named by name, MAC, kernel path or PCI address) into
// the container, and back on DEL, as containernetworking/plugins `plugins/main/host-device/host-device.go`
// (see plugins/host-device/README.md).
import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from '../../ipam/host-local/plugin.ts';
import { staticIpam } from '../../ipam/static/plugin.ts';
import { add } from './add.ts';
import { del } from './del.ts';
import { check } from './check.ts';
import { status } from './status.ts';
import { warm } from './warm.ts';

await runPlugin({
  name: 'host-device',
  add,
  del,
  check,
  status,
  warm,
  linked: [hostLocal, staticIpam],
});
