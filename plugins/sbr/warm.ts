// Package-time warming of sbr's pure path (see shared/cni/warm.ts): config, address selection,
// table allocation, the per-family plans and DEL's selection.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { parseRoutes, parseRules } from '../../shared/host/iproute2.ts';
import { parseSbrConf, requirePrev } from './config.ts';
import { familySteps, ipsOf, staleRules, tableSteps, undoOf, usedTables } from './plan.ts';

export function warm(): void {
  const rules = parseRules([
    { priority: 0, src: 'all', table: '255' },
    { priority: 32765, src: '10.0.0.2', table: '100' },
    { priority: 32766, src: 'all', table: '254' },
  ]);
  const routes = parseRoutes([
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', flags: [] },
    { dst: '10.0.0.0/24', dev: 'eth0', protocol: '2', scope: '253', prefsrc: '10.0.0.2', flags: [] },
    { dst: 'fe80::/64', dev: 'eth0', protocol: '2', metric: 256, flags: [], pref: 'medium' },
  ]);
  for (const [v, extra] of [
    ['1.1.0', {}],
    ['0.4.0', { table: 200 }],
    ['1.0.0', { table: -1 }],
  ] as const) {
    attempt(() => {
      const c = parseSbrConf({ cniVersion: v, name: 'warm', type: 'sbr', ...extra, prevResult: formatResult(WARM_RESULT, v) });
      const ips = ipsOf(requirePrev(c, v), 'eth0');
      const steps = familySteps(ips, 4, routes, usedTables(rules, routes), 'eth0');
      familySteps(ips, 6, routes, new Set(), 'eth0');
      tableSteps(ips, 4, 200);
      undoOf(steps, steps.length);
      staleRules(rules, ['10.0.0.2'], c.table);
    });
  }
}
