import { runPlugin } from '../../shared/cni/skel.ts';
import { staticIpam } from './plugin.ts';

await runPlugin(staticIpam);
