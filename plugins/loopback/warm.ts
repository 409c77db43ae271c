// Package-time warming of loopback's pure path (see shared/cni/warm.ts).
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { parseBase, prevResultOf } from '../../shared/cni/config.ts';
import { parseLinks } from '../../shared/host/iproute2.ts';
import { formatResult } from '../../shared/cni/result.ts';

export function warm(): void {
  for (const v of ['0.3.1', '1.0.0', '1.1.0']) {
    attempt(() => prevResultOf(parseBase({ cniVersion: v, name: 'warm', type: 'loopback', prevResult: formatResult(WARM_RESULT, v) }), v));
    attempt(() => prevResultOf(parseBase({ cniVersion: v, name: 'warm', type: 'loopback' }), v));
  }
  attempt(() =>
    parseLinks([
      {
        ifindex: 1,
        ifname: 'lo',
        flags: ['LOOPBACK', 'UP'],
        addr_info: [
          { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
          { family: 'inet6', local: '::1', prefixlen: 128 },
        ],
      },
    ]),
  );
}
