// Package-time warming of dnsname's pure path (see shared/cni/warm.ts): config and name checks,
// prevResult reading, file rendering and parsing, the ADD/DEL/GC plans and the result.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { parseDnsnameConf, requirePrev } from './config.ts';
import { attachmentKey, confInterface, parseHosts, parseRecords, pathsOf, renderConf, renderHosts, renderRecords } from './files.ts';
import { attachmentIps, bridgeOf, isEmpty, nameserversOf, namesOf, planAdd, planDel, planGc, prune, resultWithDns } from './plan.ts';

export function warm(): void {
  const samples: Array<[string, Record<string, unknown>, string]> = [
    [
      '1.1.0',
      { domainName: 'dns.podman', capabilities: { aliases: true }, runtimeConfig: { aliases: { warm: ['web', 'f00dfeedbeef'] } } },
      'IgnoreUnknown=1;K8S_POD_NAME=warm_1',
    ],
    ['0.4.0', { domainName: 'dns.podman' }, 'K8S_POD_NAME=a.b'],
    ['1.0.0', { domainName: 'bad\nname', runtimeConfig: { aliases: { warm: ['-x', 'a/b'] } } }, 'K8S_POD_NAME=x y'],
  ];
  for (const [v, extra, args] of samples) {
    attempt(() => {
      const raw = { cniVersion: v, name: 'warm', type: 'dnsname', ...extra, prevResult: formatResult(WARM_RESULT, v) };
      const c = parseDnsnameConf(raw, args, '');
      parseDnsnameConf(raw, args, '/run/user/0');
      const prev = requirePrev(c, v);
      const bridge = bridgeOf(prev);
      const ips = attachmentIps(prev);
      const p = pathsOf(c.dir);
      confInterface(renderConf(c.domain, bridge, p));
      const key = attachmentKey('warm', 'eth0');
      const s = planAdd(
        prune({ lines: parseHosts('10.250.0.9\tother\n'), records: parseRecords('{"attachments":{"x/eth0":{"ips":["10.250.0.9"],"names":["other"]}}}') }),
        key,
        ips,
        namesOf(c.podName, c.aliases),
      );
      renderHosts(s.lines);
      renderRecords(s.records);
      isEmpty(planGc(planDel(s, key, ips, c.podName), new Set([key])));
      formatResult(resultWithDns(prev, nameserversOf([{ local: '10.250.0.1' }, { local: 'fe80::1' }, { local: 'fd00:250::1' }]), c.domain), v);
    });
  }
}
