import { runPlugin } from '../../shared/skel.ts';
import { hostLocal } from './plugin.ts';

await runPlugin(hostLocal);
