// Package-time warming of vrf's pure path (see shared/cni/warm.ts): config, the ADD and DEL
// decisions and their lines.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { parseVrfConf, requirePrev } from './config.ts';
import { addrsSettled, decideAdd, decideDel, delLines, droppedAddrs, enslaveSteps, routeLines } from './plan.ts';

export function warm(): void {
  const links = parseLinks([
    { ifindex: 1, ifname: 'lo', flags: [] },
    { ifindex: 2, ifname: 'eth0', flags: [] },
    { ifindex: 3, ifname: 'red', flags: [], linkinfo: { info_kind: 'vrf', info_data: { table: 1 } } },
  ]);
  const routes = parseRoutes([
    { dst: 'default', gateway: '10.0.0.1', flags: [] },
    { dst: 'fd00::/64', protocol: '2', metric: 256, flags: [] },
  ]);
  for (const [v, extra] of [
    ['1.1.0', { vrfname: 'blue' }],
    ['0.4.0', { vrfname: 'red', table: 1 }],
    ['1.0.0', { vrfname: 'red', table: 2 }],
    ['1.0.0', {}],
  ] as const) {
    attempt(() => {
      const c = parseVrfConf({ cniVersion: v, name: 'warm', type: 'vrf', ...extra, prevResult: formatResult(WARM_RESULT, v) });
      requirePrev(c, v);
      const d = decideAdd(links, c.vrfname, c.table, 'eth0');
      enslaveSteps(d, c.vrfname, 'eth0');
      routeLines(routes, 'eth0', d.table);
      addrsSettled(droppedAddrs(['fd00::2/64'], []), routes);
      const dd = decideDel(links, c.vrfname, 'eth0');
      if (dd) delLines(dd, c.vrfname, 'eth0');
    });
  }
}
