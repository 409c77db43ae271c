// Skeleton protocol checks (see suite.ts) for our bridge, portmap.
import { useCleanup } from '../lib/hooks.ts';
import { skeletonSuite } from './suite.ts';

useCleanup({ scope: 'all' });
skeletonSuite(['bridge', 'portmap']);
