// Package-time warming of bandwidth's pure path (see shared/cni/warm.ts): both config forms, the
// TBF computation and its refusals, the plans, CHECK's comparison and GC's selection.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { parseQdiscs, parsePsched } from '../../shared/host/tc.ts';
import { isZero, parseBandwidthConf } from './config.ts';
import { hostVethOf } from './host.ts';
import { ifbAlias, ifbLines, ifbName, redirectsTo, tbfProblem, tcSteps, undoLines } from './plan.ts';
import { requirePrev } from './prev.ts';
import { staleIfbs } from './gc.ts';

export function warm(): void {
  const tick = parsePsched('000003e8 00000040 000f4240 3b9aca00\n');
  const samples: Array<[string, Record<string, unknown>]> = [
    ['1.1.0', { ingressRate: 1_000_000, ingressBurst: 80_000, egressRate: 800_000, egressBurst: 16_000 }],
    [
      '1.0.0',
      { capabilities: { bandwidth: true }, runtimeConfig: { bandWidth: { ingressRate: 8000, ingressBurst: 16000, egressRate: 8000, egressBurst: 16000 } } },
    ],
    ['0.4.0', { egressRate: 8, egressBurst: 34_359_738_360 }],
    ['0.3.1', { ingressRate: -1, egressBurst: 1 }],
  ];
  for (const [v, extra] of samples) {
    attempt(() => {
      const raw = { cniVersion: v, name: 'warm', type: 'bandwidth', ...extra, prevResult: formatResult(WARM_RESULT, v) };
      const c = parseBandwidthConf(raw, tick);
      isZero(c);
      const prev = requirePrev(c, v);
      const link = { ifindex: 2, ifname: 'eth0', flags: [], link_index: 7, linkinfo: { info_kind: 'veth' } };
      const host = { ifindex: 7, ifname: 'veth0', flags: [], mtu: 1500 };
      attempt(() => hostVethOf('eth0', link, [host], [{ name: 'veth0' }, ...(prev.interfaces ?? [])]));
      const ifb = ifbName('warm', 'ctr');
      ifbLines(ifb, 1500, ifbAlias('warm'));
      const steps = tcSteps('veth0', c.ingress.tbf, c.egress.tbf, ifb);
      undoLines(steps, steps.length - 1);
      const q = parseQdiscs([
        { kind: 'tbf', handle: '1:', root: true, options: { rate: 125000, burst: 10000, burst_raw: '1312d0', lat: 25000, limit: 13125 } },
      ]);
      if (c.ingress.tbf) tbfProblem(q, c.ingress.tbf, 'veth0');
      redirectsTo([{ options: { actions: [{ kind: 'mirred', to_dev: ifb }] } }], ifb);
      staleIfbs([{ ifname: ifb, ifalias: ifbAlias('warm') }], 'warm', [{ containerID: 'ctr' }]);
    });
  }
}
