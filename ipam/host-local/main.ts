import { runPlugin } from '../../shared/cni/skel.ts';
import { hostLocal } from './plugin.ts';

await runPlugin(hostLocal);
