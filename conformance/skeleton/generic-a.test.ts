// Skeleton protocol checks (see suite.ts) for our loopback, host-local.
import { useCleanup } from '../lib/hooks.ts';
import { skeletonSuite } from './suite.ts';

useCleanup({ scope: 'all' });
skeletonSuite(['loopback', 'host-local']);
