// Package-time warming of tuning's pure path (see shared/cni/warm.ts): config with every key and its
// runtime-config and CNI_ARGS forms, key and value checks, the allowlist, plans, the saved state.
import { attempt, WARM_RESULT } from '../../shared/cni/warm.ts';
import { formatResult } from '../../shared/cni/result.ts';
import { parseTuningConf } from './config.ts';
import { checkProblem, originalsOf, resultWithMac, sysctlSettings, wantedOf } from './plan.ts';
import { formatSaved, parseSaved } from './state.ts';
import { ADD_ORDER, RESTORE_ORDER, linkLines } from './link.ts';
import { assertAllowed, parseAllowlist } from './allowlist.ts';
import { parseSysctlOutput } from './netns-sysctl.ts';
import { requirePrev } from './prev.ts';

const LINK = { mac: '02:00:00:00:00:03', mtu: 1500, promisc: false, allmulti: false, txQLen: 1000 };

export function warm(): void {
  const samples: Array<[string, Record<string, unknown>, string]> = [
    [
      '1.1.0',
      {
        sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1', 'net.core.somaxconn': '512' },
        mac: '02:00:00:00:00:09',
        mtu: 1400,
        promisc: true,
        allmulti: true,
        txQLen: 2000,
      },
      '',
    ],
    ['1.0.0', { capabilities: { mac: true }, runtimeConfig: { mac: '02:00:00:00:00:0a' } }, 'IgnoreUnknown=1;MAC=02:00:00:00:00:0b'],
    ['0.4.0', { sysctl: { 'net/ipv4/../x': '1', 'kernel.x': '1' }, mtu: -1 }, ''],
  ];
  for (const [v, extra, args] of samples) {
    attempt(() => {
      const raw = { cniVersion: v, name: 'warm', type: 'tuning', ...extra, prevResult: formatResult(WARM_RESULT, v) };
      const c = parseTuningConf(raw, args);
      parseTuningConf(raw, args, true);
      const prev = requirePrev(c, v);
      const settings = sysctlSettings(c, 'eth0');
      attempt(() =>
        assertAllowed(
          settings.map(([k]) => k),
          parseAllowlist('^net\\.ipv4\\.conf\\.IFNAME\\.arp_filter$\n'),
        ),
      );
      const saved = originalsOf(c, LINK);
      parseSaved(formatSaved(saved));
      linkLines('eth0', wantedOf(c), ADD_ORDER);
      linkLines('eth0', saved, RESTORE_ORDER);
      parseSysctlOutput(
        settings.map(([k, val]) => `${k.replace(/\//g, '.')} = ${val}`).join('\n'),
        settings.map(([k]) => k),
      );
      checkProblem(
        c,
        'eth0',
        settings.map(([k, val]) => [k, val, val] as const),
        LINK,
      );
      resultWithMac(prev, 'eth0', c.mac);
    });
  }
}
