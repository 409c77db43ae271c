// Warming, run at package time just before the V8 code cache of the plugin bundle is taken
// (build/warm.ts). The cache keeps compiled code only for functions that ran before it was taken;
// everything else on a call's path is parsed and compiled again on every call. So each plugin runs its pure code here
// (decoding, validation, planning, result conversion, error formatting) on representative inputs.
//
// Warming must not touch the host or leave state that a real call could see: only pure
// functions run, on inputs built here, with an explicit fake environment (never process.env),
// and no randomness is drawn. Any error a sample raises is swallowed: reaching the code is the point.
import { CniError, Code, asCniError, wrap } from './errors.ts';
import { readEnv, VERBS } from './env.ts';
import { SUPPORTED_VERSIONS, assertSupported, atLeast } from './version.ts';
import { formatResult, parseResult, printJson, type Result } from './result.ts';

export const WARM_NETNS = '/var/run/netns/cni-ts-warm';

/** A dual-stack result with everything the spec allows, for conversion to every version. */
export const WARM_RESULT: Result = {
  interfaces: [
    { name: 'cni0', mac: '02:00:00:00:00:01' },
    { name: 'veth0', mac: '02:00:00:00:00:02' },
    { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: WARM_NETNS },
  ],
  ips: [
    { interface: 2, address: '10.250.0.2/24', gateway: '10.250.0.1' },
    { interface: 2, address: 'fd00:250::2/64', gateway: 'fd00:250::1' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.250.0.1' }, { dst: '::/0' }],
  dns: { nameservers: ['10.250.0.1'], domain: 'example.org', search: ['example.org'], options: ['ndots:2'] },
};

export function attempt(fn: () => unknown): void {
  try {
    const r = fn();
    // Async samples: their rejection is expected and ignored (nothing may stay pending, though).
    if (r instanceof Promise) r.catch(() => undefined);
  } catch {
    // samples may be invalid on purpose
  }
}

/** The protocol layer every plugin shares: env, versions, results and errors. */
export function warmProtocol(): void {
  const env = { CNI_CONTAINERID: 'warm', CNI_NETNS: WARM_NETNS, CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni', CNI_ARGS: 'IgnoreUnknown=1' };
  for (const verb of VERBS) {
    attempt(() => readEnv(verb, env));
    attempt(() => readEnv(verb, {}));
  }
  for (const v of [...SUPPORTED_VERSIONS, '', '9.9.9']) {
    attempt(() => assertSupported(v));
    attempt(() => atLeast(v, '0.4.0'));
    attempt(() => printJson(formatResult(WARM_RESULT, v)));
    attempt(() => parseResult(formatResult(WARM_RESULT, v), v));
    attempt(() => parseResult(JSON.parse(printJson(formatResult(WARM_RESULT, '1.1.0'))), v));
    attempt(() => printJson(new CniError(Code.InvalidNetworkConfig, 'warm', 'details').toJSON(v)));
  }
  attempt(() => wrap('warm', asCniError(new Error('warm'))));
  attempt(() => asCniError('warm'));
}
