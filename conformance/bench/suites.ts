// Further benchmark suites (host-local, bridge, portmap chains) register here.
import type { Row } from './measure.ts';

export const extraSuites: Record<string, (rows: Row[]) => Promise<void>> = {};
