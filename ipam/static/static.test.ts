import { describe, expect, it } from 'vitest';
import { thrownText as msg } from '../../shared/cni/thrown.ts';
import { execute, type Ctx } from '../../shared/cni/skel.ts';
import { loadConfig, resultIps } from './config.ts';
import { mismatch } from './check.ts';
import { staticIpam } from './plugin.ts';

const conf = (ipam: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.0.0',
  name: 'net1',
  type: 'macvlan',
  ...(ipam ? { ipam: { type: 'static', ...ipam } } : {}),
  ...extra,
});
const ips = (c: unknown, args = '', version = '1.0.0') => resultIps(loadConfig(c, version, args));
const A = { addresses: [{ address: '10.150.1.5/24', gateway: '10.150.1.1' }, { address: 'fd00:150::5/64' }] };

describe('static: where addresses come from', () => {
  it('configured addresses, in order, host bits and gateway kept', () => {
    expect(ips(conf(A))).toEqual([{ address: '10.150.1.5/24', gateway: '10.150.1.1' }, { address: 'fd00:150::5/64' }]);
  });
  it('CNI_ARGS IP= is appended (comma list, spaces trimmed); GATEWAY= goes to the IP= addresses containing it', () => {
    expect(ips(conf(A), 'IP=10.150.2.7/24, fd00:151::7/64;GATEWAY=10.150.2.1,fd00:151::1')).toEqual([
      { address: '10.150.1.5/24', gateway: '10.150.1.1' },
      { address: 'fd00:150::5/64' },
      { address: '10.150.2.7/24', gateway: '10.150.2.1' },
      { address: 'fd00:151::7/64', gateway: 'fd00:151::1' },
    ]);
  });
  it('GATEWAY= never touches configured addresses (the reference has not parsed them yet when it assigns)', () => {
    expect(ips(conf(A), 'GATEWAY=fd00:150::1')).toEqual(ips(conf(A)));
  });
  it('args.cni.ips replaces CNI_ARGS and config; runtimeConfig.ips replaces both', () => {
    const c = conf(A, { args: { cni: { ips: ['10.150.3.3/16'] } } });
    expect(ips(c, 'IP=10.150.2.7/24')).toEqual([{ address: '10.150.3.3/16' }]);
    expect(ips({ ...c, runtimeConfig: { ips: ['fd00:152::3/80'] } }, 'IP=10.150.2.7/24')).toEqual([{ address: 'fd00:152::3/80' }]);
    // Empty lists replace nothing.
    expect(ips({ ...c, runtimeConfig: { ips: [] } })).toEqual([{ address: '10.150.3.3/16' }]);
  });
  it('replaced config addresses are never validated (as the reference)', () => {
    expect(ips(conf({ addresses: [{ address: 'bogus' }] }, { runtimeConfig: { ips: ['10.150.4.4/24'] } }))).toEqual([{ address: '10.150.4.4/24' }]);
  });
  it('keys match case-insensitively', () => {
    const c = { cniVersion: '1.0.0', name: 'n', IPAM: { Addresses: [{ ADDRESS: '10.150.1.9/24', Gateway: '10.150.1.1' }] }, RuntimeConfig: {} };
    expect(ips(c)).toEqual([{ address: '10.150.1.9/24', gateway: '10.150.1.1' }]);
  });
});

describe('static: a bare address takes the prefix of the configured address of its family (podman #17955)', () => {
  it('in CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips', () => {
    expect(ips(conf(A), 'IP=10.150.1.100')).toContainEqual({ address: '10.150.1.100/24' });
    expect(ips(conf(A), 'IP=fd00:150::100')).toContainEqual({ address: 'fd00:150::100/64' });
    expect(ips(conf(A, { args: { cni: { ips: ['10.150.1.101'] } } }))).toEqual([{ address: '10.150.1.101/24' }]);
    expect(ips(conf(A, { runtimeConfig: { ips: ['fd00:150::102', '10.150.1.102'] } }))).toEqual([
      { address: 'fd00:150::102/64' },
      { address: '10.150.1.102/24' },
    ]);
  });
  it('the first configured address of the family decides', () => {
    const c = conf({ addresses: [{ address: 'fd00:150::5/64' }, { address: '10.150.1.5/28' }, { address: '10.150.9.5/16' }] });
    expect(ips(c, 'IP=10.150.1.6')).toContainEqual({ address: '10.150.1.6/28' });
  });
  it('refused, saying why, when no configured address has that family', () => {
    const v6only = conf({ addresses: [{ address: 'fd00:150::5/64' }] });
    expect(msg(() => loadConfig(v6only, '1.0.0', 'IP=10.150.1.100'))).toBe(
      "4: CNI_ARGS IP: '10.150.1.100' has no prefix length, and ipam.addresses has no IPv4 address to take one from",
    );
    expect(msg(() => loadConfig(conf({}, { runtimeConfig: { ips: ['fd00:150::9'] } }), '1.0.0', ''))).toBe(
      "7: runtimeConfig.ips[0]: 'fd00:150::9' has no prefix length, and ipam.addresses has no IPv6 address to take one from",
    );
  });
});

describe('static: validation names the field', () => {
  const cases: Array<[string, unknown, string, string]> = [
    [
      'malformed address',
      conf({ addresses: [{ address: '10.150.1.5/24' }, { address: '10.150.1.300/24' }] }),
      '',
      "7: ipam.addresses[1].address: the 'address' field is expected to be in CIDR notation, got: '10.150.1.300/24'",
    ],
    [
      'missing address',
      conf({ addresses: [{ gateway: '10.150.1.1' }] }),
      '',
      "7: ipam.addresses[0].address: the 'address' field is expected to be in CIDR notation, got: ''",
    ],
    [
      'bad gateway',
      conf({ addresses: [{ address: '10.150.1.5/24', gateway: '10.150.1' }] }),
      '',
      '7: invalid network configuration: ipam.addresses[0].gateway: invalid IP address: 10.150.1',
    ],
    [
      'gateway of the other family',
      conf({ addresses: [{ address: 'fd00:150::5/64', gateway: '10.150.1.1' }] }),
      '',
      '7: ipam.addresses[0].gateway: 10.150.1.1 is IPv4 but the address fd00:150::5/64 is IPv6',
    ],
    ['bad CNI_ARGS IP', conf(A), 'IP=10.150.1.5/24,nonsense', "4: CNI_ARGS IP: the 'ip' field is expected to be in CIDR notation, got: 'nonsense'"],
    ['bad CNI_ARGS GATEWAY', conf(A), 'IP=10.150.1.5/24;GATEWAY=x', '4: CNI_ARGS GATEWAY: invalid gateway address: x'],
    ['unknown CNI_ARGS key', conf(A), 'IP=10.150.1.5/24;MAC=x', '4: ARGS: unknown args ["MAC=x"]'],
    [
      'bad args.cni.ips',
      conf(A, { args: { cni: { ips: ['10.150.1.5/24', 'x/y'] } } }),
      '',
      "7: args.cni.ips[1]: an entry in the 'ips' field is NOT in CIDR notation, got: 'x/y'",
    ],
    [
      'bad runtimeConfig.ips',
      conf(A, { runtimeConfig: { ips: ['::1/129'] } }),
      '',
      "7: runtimeConfig.ips[0]: an entry in the 'ips' field is NOT in CIDR notation, got: '::1/129'",
    ],
    ['bad route', conf({ ...A, routes: [{ dst: '0.0.0.0' }] }), '', '7: invalid network configuration: ipam.routes[0].dst: invalid CIDR address: 0.0.0.0'],
    ['no ipam', conf(undefined), '', "7: IPAM config missing 'ipam' key"],
    [
      'addresses not a list',
      conf({ addresses: { address: '10.150.1.5/24' } }),
      '',
      '7: invalid network configuration: ipam.addresses: Invalid input: expected array, received object',
    ],
  ];
  it.each(cases)('%s', (_n, c, args, want) => {
    expect(msg(() => loadConfig(c, '1.0.0', args))).toBe(want);
  });
  it('IgnoreUnknown lets other CNI_ARGS through', () => {
    expect(ips(conf(A), 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.150.2.2/24')).toHaveLength(3);
  });
  it('two addresses of a family need cniVersion 0.3.0 or later', () => {
    const two = conf({ addresses: [{ address: '10.150.1.5/24' }, { address: '10.150.2.5/24' }] });
    expect(msg(() => loadConfig(two, '0.2.0', ''))).toBe('7: ipam.addresses: CNI version 0.2.0 does not support more than 1 address per family');
    expect(msg(() => loadConfig(two, '', ''))).toMatch(/does not support/);
    expect(ips(two, '', '0.3.0')).toHaveLength(2);
    expect(ips(conf(A), '', '0.2.0')).toHaveLength(2);
  });
});

describe('static: routes, DNS and the result in every version', () => {
  const full = conf({
    ...A,
    routes: [
      { dst: '0.0.0.0/0' },
      { dst: '192.0.2.0/24', gw: '10.150.1.254', mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 },
      { dst: '::/0', gw: 'fd00:150::1' },
    ],
    dns: { nameservers: ['10.150.1.53'], domain: 'example.com', search: ['a.example'], options: ['ndots:2'] },
  });
  const run = async (v: string) => {
    const raw = { ...full, cniVersion: v };
    const ctx: Ctx = {
      env: { command: 'ADD', containerId: 'c', netns: '/x', ifname: 'eth0', args: '', path: [] },
      stdin: JSON.stringify(raw),
      raw,
      cniVersion: v,
      name: 'net1',
    };
    return JSON.parse(await execute(staticIpam, 'ADD', ctx));
  };
  it('1.1.0 keeps every route attribute', async () => {
    expect(await run('1.1.0')).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.150.1.5/24', gateway: '10.150.1.1' }, { address: 'fd00:150::5/64' }],
      routes: [
        { dst: '0.0.0.0/0' },
        { dst: '192.0.2.0/24', gw: '10.150.1.254', mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 },
        { dst: '::/0', gw: 'fd00:150::1' },
      ],
      dns: { nameservers: ['10.150.1.53'], domain: 'example.com', search: ['a.example'], options: ['ndots:2'] },
    });
  });
  it('0.4.0 adds versions; 0.2.0 splits into ip4/ip6 with their routes', async () => {
    expect((await run('0.4.0')).ips).toEqual([
      { version: '4', address: '10.150.1.5/24', gateway: '10.150.1.1' },
      { version: '6', address: 'fd00:150::5/64' },
    ]);
    const old = await run('0.2.0');
    expect(old.ip4).toEqual({ ip: '10.150.1.5/24', gateway: '10.150.1.1', routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.150.1.254' }] });
    expect(old.ip6).toEqual({ ip: 'fd00:150::5/64', routes: [{ dst: '::/0', gw: 'fd00:150::1' }] });
  });
});

describe('static: CHECK against prevResult', () => {
  const c = loadConfig(conf(A), '1.0.0', '');
  it('passes when every address is there with its gateway', () => {
    expect(mismatch(c, { ips: [{ address: 'fd00:150::5/64' }, { address: '10.150.1.5/24', gateway: '10.150.1.1' }] }, 'eth0')).toBeUndefined();
  });
  it('fails on a different gateway (the reference message) and on a missing address (the reference passes)', () => {
    expect(mismatch(c, { ips: [{ address: '10.150.1.5/24', gateway: '10.150.1.2' }, { address: 'fd00:150::5/64' }] }, 'eth0')).toBe(
      'static: Failed to match addr 10.150.1.5 on interface eth0',
    );
    expect(mismatch(c, { ips: [{ address: '10.150.1.5/24', gateway: '10.150.1.1' }] }, 'net1')).toBe(
      'static: address fd00:150::5 (ipam.addresses[1]) is not in prevResult of interface net1',
    );
  });
});
