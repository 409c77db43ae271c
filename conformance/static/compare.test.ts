// static IPAM, ours vs the Go reference (1.1.1) called directly on the same inputs: results in
// every version, errors, and where we go beyond it (bare addresses, gateway family, CHECK).
import { describe, expect, it } from 'vitest';
import { haveOurBin, netName } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { netconf, staticIpam, type StaticCall } from './helpers.ts';

useCleanup({ scope: 'all' });

const A = {
  addresses: [
    { address: '10.150.1.5/24', gateway: '10.150.1.1' },
    { address: 'fd00:150::5/64', gateway: 'fd00:150::1' },
  ],
};
const ROUTES = [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.150.1.254' }, { dst: '::/0' }];
const DNS = { nameservers: ['10.150.1.53', 'fd00:150::53'], domain: 'example.com', search: ['a.example', 'b.example'], options: ['ndots:2'] };

async function both(conf: object, call: Omit<StaticCall, 'impl'>) {
  const [ref, ours] = await Promise.all([staticIpam({ impl: 'ref', ...call }, conf), staticIpam({ impl: 'ours', ...call }, conf)]);
  return { ref, ours };
}

describe.skipIf(!haveOurBin('static'))('static vs reference', () => {
  // 1.1.1 speaks up to 1.0.0; 1.1.0 is checked against ours alone below.
  const versions = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
  const inputs: Array<[string, Record<string, unknown>, Record<string, unknown>, string?]> = [
    ['addresses, routes, dns', { ...A, routes: ROUTES, dns: DNS }, {}],
    ['one address per family, no gateway', { addresses: [{ address: '10.150.1.5/24' }, { address: 'fd00:150::5/64' }] }, {}],
    ['CNI_ARGS IP and GATEWAY', { addresses: [{ address: '10.150.1.5/24' }] }, {}, 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=fd00:151::7/64;GATEWAY=fd00:151::1'],
    ['args.cni.ips replaces', A, { args: { cni: { ips: ['10.150.3.3/16', 'fd00:152::3/80'] } } }, 'IP=10.150.9.9/24'],
    ['runtimeConfig.ips replaces', A, { args: { cni: { ips: ['10.150.3.3/16'] } }, runtimeConfig: { ips: ['10.150.4.4/24', 'fd00:153::4/64'] } }],
    ['v4 only with routes', { addresses: [{ address: '10.150.1.5/24', gateway: '10.150.1.1' }], routes: [{ dst: '0.0.0.0/0' }] }, {}],
    ['mixed-case keys', { Addresses: [{ ADDRESS: '10.150.1.5/24', GATEWAY: '10.150.1.1' }], ROUTES: [{ Dst: '0.0.0.0/0' }] }, {}],
  ];
  for (const v of versions) {
    // 0.1.0 and 0.3.0 print as 0.2.0 and 0.3.1 do: one input shows it.
    const some = v === '0.1.0' || v === '0.3.0' ? inputs.slice(0, 1) : inputs;
    it.each(some)(`ADD %s, cniVersion ${v}: same stdout and code`, async (_n, ipam, extra, args) => {
      const conf = netconf(netName(), v, ipam, extra);
      const r = await both(conf, { command: 'ADD', ...(args ? { args } : {}) });
      expect(r.ours.json, r.ours.stdout).toEqual(r.ref.json);
      expect(r.ours.code).toBe(r.ref.code);
    });
  }

  it('cniVersion 1.1.0 (ours only): the 1.0.0 result relabelled', async () => {
    const name = netName();
    const [v11, v10] = await Promise.all([
      staticIpam({ impl: 'ours', command: 'ADD' }, netconf(name, '1.1.0', { ...A, routes: ROUTES, dns: DNS })),
      staticIpam({ impl: 'ref', command: 'ADD' }, netconf(name, '1.0.0', { ...A, routes: ROUTES, dns: DNS })),
    ]);
    expect(v11.json).toEqual({ ...v10.json, cniVersion: '1.1.0' });
  });

  it('two addresses of one family on 0.2.0: both refuse, ours names the field', async () => {
    const conf = netconf(netName(), '0.2.0', { addresses: [{ address: '10.150.1.5/24' }, { address: '10.150.2.5/24' }] });
    const r = await both(conf, { command: 'ADD' });
    expect(r.ref.json.msg).toBe('CNI version 0.2.0 does not support more than 1 address per family');
    expect(r.ours.json.msg).toBe(`ipam.addresses: ${r.ref.json.msg}`);
  });

  const bad: Array<[string, Record<string, unknown>, Record<string, unknown>, string | undefined, string]> = [
    ['malformed address', { addresses: [{ address: '10.150.1.5/24' }, { address: '10.150.1.5' }] }, {}, undefined, 'ipam.addresses[1].address: '],
    ['malformed CNI_ARGS IP', A, {}, 'IP=10.150.1.5/33', 'CNI_ARGS IP: '],
    ['malformed GATEWAY', A, {}, 'IP=10.150.2.5/24;GATEWAY=10.150.2', 'CNI_ARGS GATEWAY: '],
    ['malformed args.cni.ips', A, { args: { cni: { ips: ['x'] } } }, undefined, 'args.cni.ips[0]: '],
    ['malformed runtimeConfig.ips', A, { runtimeConfig: { ips: ['10.150.1.5/24', '::/x'] } }, undefined, 'runtimeConfig.ips[1]: '],
    ['no ipam key', {}, { ipam: undefined }, undefined, ''],
  ];
  it.each(bad)('bad input, %s: both refuse; ours is the reference message prefixed with the field', async (_n, ipam, extra, args, field) => {
    const conf = netconf(netName(), '1.0.0', ipam, extra);
    const r = await both(conf, { command: 'ADD', ...(args ? { args } : {}) });
    expect(r.ref.code).not.toBe(0);
    expect(r.ours.code).toBe(1);
    expect(r.ours.json.msg).toBe(`${field}${r.ref.json.msg}`);
    expect([4, 7]).toContain(r.ours.json.code);
  });

  it('bad input the reference accepts or words as a JSON error: ours names the field', async () => {
    const wrongFamily = netconf(netName(), '1.0.0', { addresses: [{ address: 'fd00:150::5/64', gateway: '10.150.1.1' }] });
    const r1 = await both(wrongFamily, { command: 'ADD' });
    expect(r1.ref.code).toBe(0); // the reference hands out an IPv6 address with an IPv4 gateway
    expect(r1.ours.json).toMatchObject({ code: 7, msg: 'ipam.addresses[0].gateway: 10.150.1.1 is IPv4 but the address fd00:150::5/64 is IPv6' });
    const badGw = netconf(netName(), '1.0.0', { addresses: [{ address: '10.150.1.5/24', gateway: 'x' }] });
    const r2 = await both(badGw, { command: 'ADD' });
    expect(r2.ref.code).not.toBe(0);
    expect(r2.ours.json.msg).toMatch(/^invalid network configuration: ipam\.addresses\[0\]\.gateway: invalid IP address: x$/);
  });

  it('podman #17955: a bare IP in CNI_ARGS fails the reference; ours takes the configured prefix', async () => {
    const conf = netconf(netName(), '1.0.0', { addresses: [{ address: '10.150.1.5/24', gateway: '10.150.1.1' }] });
    const r = await both(conf, { command: 'ADD', args: 'IgnoreUnknown=1;IP=10.150.1.100' });
    expect(r.ref.json.msg).toBe("the 'ip' field is expected to be in CIDR notation, got: '10.150.1.100'");
    expect(r.ours.json.ips).toEqual([{ address: '10.150.1.5/24', gateway: '10.150.1.1' }, { address: '10.150.1.100/24' }]);
    // runtimeConfig.ips too (replacing the configured address, whose prefix it keeps).
    const rt = await staticIpam({ impl: 'ours', command: 'ADD' }, { ...conf, runtimeConfig: { ips: ['10.150.1.101'] } });
    expect(rt.json.ips).toEqual([{ address: '10.150.1.101/24' }]);
    // No configured address of that family: refused, saying so.
    const v6 = await staticIpam({ impl: 'ours', command: 'ADD', args: 'IP=fd00:150::100' }, conf);
    expect(v6.json).toMatchObject({
      code: 4,
      msg: "CNI_ARGS IP: 'fd00:150::100' has no prefix length, and ipam.addresses has no IPv6 address to take one from",
    });
  });

  it('DEL succeeds with nothing on stdout, whatever the config; CHECK compares with prevResult', async () => {
    const conf = netconf(netName(), '1.0.0', A);
    const del = await both({ ...conf, ipam: { type: 'static', addresses: [{ address: 'bogus' }] } }, { command: 'DEL' });
    expect([del.ref.code, del.ours.code, del.ours.stdout]).toEqual([0, 0, '']);
    const prev = (await staticIpam({ impl: 'ref', command: 'ADD' }, conf)).json;
    const ok = await both({ ...conf, prevResult: prev }, { command: 'CHECK' });
    expect([ok.ref.code, ok.ours.code]).toEqual([0, 0]);
    const otherGw = { ...prev, ips: [{ ...prev.ips[0], gateway: '10.150.1.2' }, prev.ips[1]] };
    const gw = await both({ ...conf, prevResult: otherGw }, { command: 'CHECK' });
    expect(gw.ours.json.msg).toBe(gw.ref.json.msg);
    expect(gw.ours.json.msg).toBe('static: Failed to match addr 10.150.1.5 on interface eth0');
    // A configured address missing from prevResult: the reference passes, ours fails.
    const missing = await both({ ...conf, prevResult: { ...prev, ips: [prev.ips[0]] } }, { command: 'CHECK' });
    expect(missing.ref.code).toBe(0);
    expect(missing.ours.json.msg).toBe('static: address fd00:150::5 (ipam.addresses[1]) is not in prevResult of interface eth0');
    const none = await both(conf, { command: 'CHECK' });
    expect(none.ours.json.msg).toBe(none.ref.json.msg);
  });

  it('STATUS and GC (spec 1.1, ours only): nothing to do, success', async () => {
    const conf = netconf(netName(), '1.1.0', A, { 'cni.dev/valid-attachments': [] });
    for (const command of ['STATUS', 'GC'] as const) {
      const r = await staticIpam({ impl: 'ours', command }, conf);
      expect([r.code, r.stdout]).toEqual([0, '']);
    }
  });
});
