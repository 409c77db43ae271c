import { describe, expect, it } from 'vitest';
import { thrownText as msg } from '../../shared/cni/thrown.ts';
import { loadConfig } from './config.ts';
import { ipString } from '../../shared/host/addr.ts';
import { rangeSetString } from './range.ts';
import { parseResolvConf } from './dns.ts';
import { staleLeases } from './gc.ts';
import { leaseOwner, type Lease } from './store.ts';
import { parseIp } from '../../shared/host/addr.ts';

const conf = (ipam: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.0.0',
  name: 'net1',
  type: 'bridge',
  ...(ipam ? { ipam: { type: 'host-local', ...ipam } } : {}),
  ...extra,
});
const load = (c: unknown, version = '1.0.0', args = '') => loadConfig(c, version, args);

describe('range-set order and sources', () => {
  it('runtimeConfig.ipRanges, then the old-style top-level range, then ranges', () => {
    const c = load(
      conf(
        { subnet: '10.1.0.0/24', gateway: '10.1.0.254', ranges: [[{ subnet: '10.2.0.0/24' }], [{ subnet: 'fd00::/64' }]] },
        { runtimeConfig: { ipRanges: [[{ subnet: '10.3.0.0/24', rangeStart: '10.3.0.10' }]] } },
      ),
    );
    expect(c.ranges.map(rangeSetString)).toEqual(['10.3.0.10-10.3.0.254', '10.1.0.1-10.1.0.254', '10.2.0.1-10.2.0.254', 'fd00::1-fd00::ffff:ffff:ffff:ffff']);
    expect(ipString(c.ranges[1]![0]!.gateway)).toBe('10.1.0.254');
  });
  it('old-style keys without subnet are ignored', () => {
    expect(load(conf({ rangeStart: '10.1.0.5', ranges: [[{ subnet: '10.2.0.0/24' }]] })).ranges).toHaveLength(1);
  });
  it('keys are matched case-insensitively and null means unset, as Go decodes', () => {
    const c = load({ cniVersion: '1.0.0', name: 'n', IPAM: { Type: 'host-local', Ranges: [[{ Subnet: '10.2.0.0/24', gateway: null }]] } });
    expect(rangeSetString(c.ranges[0]!)).toBe('10.2.0.1-10.2.0.254');
  });
  it('dataDir default and <dataDir>/<name>', () => {
    expect(load(conf({ subnet: '10.1.0.0/24' })).dir).toBe('/var/lib/cni/networks/net1');
    expect(load(conf({ subnet: '10.1.0.0/24', dataDir: '/tmp/x/' })).dir).toBe('/tmp/x/net1');
  });
  it('routes are returned in canonical form', () => {
    const c = load(conf({ subnet: '10.1.0.0/24', routes: [{ dst: '0.0.0.0/0' }, { dst: 'FD00::0/8', gw: 'fd00::0001' }] }));
    expect(c.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: 'fd00::/8', gw: 'fd00::1' }]);
  });
});

describe('configuration errors (reference wording, code 7)', () => {
  const cases: [string, unknown, string, string?][] = [
    ['no ipam', conf(undefined), "7: IPAM config missing 'ipam' key"],
    ['no ranges', conf({}), '7: no IP ranges specified'],
    ['empty set', conf({ ranges: [[]] }), '7: invalid range set 0: empty range set'],
    ['mixed families', conf({ ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: 'fd00::/64' }]] }), '7: invalid range set 0: mixed address families'],
    [
      'overlap inside a set',
      conf({ ranges: [[{ subnet: '10.98.8.0/24' }, { subnet: '10.98.8.0/25' }]] }),
      '7: invalid range set 0: subnets 10.98.8.1-10.98.8.254 and 10.98.8.1-10.98.8.126 overlap',
    ],
    ['overlap between sets', conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.0/16' }]] }), '7: range set 0 overlaps with 1'],
    [
      'overlap old-style vs ranges',
      conf({ subnet: '10.0.0.0/24', ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: '10.0.0.128/25' }]] }),
      '7: range set 0 overlaps with 2',
    ],
    [
      'host bits',
      conf({ ranges: [[{ subnet: '10.98.8.1/24' }]] }),
      '7: invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.98.8.0',
    ],
    ['too small', conf({ subnet: '10.98.8.0/31' }), '7: invalid range set 0: Network 10.98.8.0/31 too small to allocate from'],
    [
      'start outside',
      conf({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.1.1' }]] }),
      '7: invalid range set 0: RangeStart 10.0.1.1 not in network 10.0.0.0/24',
    ],
    [
      'end outside',
      conf({ ranges: [[{ subnet: '10.0.0.0/24', rangeEnd: '10.0.1.0' }]] }),
      '7: invalid range set 0: RangeEnd 10.0.1.0 not in network 10.0.0.0/24',
    ],
    [
      'second set bad',
      conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/32' }]] }),
      '7: invalid range set 1: Network 10.1.0.0/32 too small to allocate from',
    ],
    ['missing subnet', conf({ ranges: [[{ rangeStart: '10.0.0.1' }]] }), '7: invalid range set 0: subnet: required (a CIDR such as "10.1.0.0/24")'],
  ];
  it.each(cases)('%s', (_n, c, want) => expect(msg(() => load(c))).toBe(want));

  it('bad values name the field', () => {
    expect(msg(() => load(conf({ ranges: [[{ subnet: '10.0.0.0/99' }]] })))).toBe(
      '7: invalid network configuration: ipam.ranges[0][0].subnet: invalid CIDR address: 10.0.0.0/99',
    );
    expect(msg(() => load(conf({ ranges: [[{ subnet: '10.0.0.0/24', gateway: 'nope' }]] })))).toContain('ipam.ranges[0][0].gateway: invalid IP address: nope');
    expect(msg(() => load(conf({ ranges: [{ subnet: '10.0.0.0/24' }] })))).toContain('ipam.ranges[0]');
    expect(msg(() => load(conf({ subnet: '10.0.0.0/24', dataDir: 5 })))).toContain('ipam.dataDir');
    expect(msg(() => load(conf({ subnet: '10.0.0.0/24', routes: [{ dst: 'x' }] })))).toContain('ipam.routes[0].dst: invalid CIDR address: x');
  });
  it('dataDir must be absolute without ".." (no traversal)', () => {
    expect(msg(() => load(conf({ subnet: '10.0.0.0/24', dataDir: '/var/lib/../../etc' })))).toMatch(/^7: ipam.dataDir: .*must not contain "\.\." components/);
    expect(msg(() => load(conf({ subnet: '10.0.0.0/24', dataDir: 'rel/dir' })))).toMatch(/^7: ipam.dataDir: .*not an absolute path/);
    expect(msg(() => load(conf({ subnet: '10.0.0.0/24', dataDir: '/tmp/a\nb' })))).toMatch(/control characters/);
  });
  it('more than one set per family needs cniVersion >= 0.3.0', () => {
    const c = conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24' }]] }, { cniVersion: '0.2.0' });
    expect(msg(() => load(c, '0.2.0'))).toBe('7: CNI version 0.2.0 does not support more than 1 address per family');
    expect(msg(() => load(c, '0.3.0'))).toBe('no error');
    expect(msg(() => load(conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: 'fd00::/64' }]] }), '0.2.0'))).toBe('no error');
  });
});

describe('requested addresses', () => {
  const base = { ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: 'fd00::/64' }]] };
  it('CNI_ARGS IP, then args.cni.ips, then runtimeConfig.ips (prefix ignored), canonical', () => {
    const c = load(
      conf(base, { args: { cni: { ips: ['fd00::0005'] } }, runtimeConfig: { ips: ['10.0.0.9/24', '10.0.0.10'] } }),
      '1.0.0',
      'IgnoreUnknown=1;IP=10.0.0.7;K8S_POD_NAME=x',
    );
    expect(c.requested.map(ipString)).toEqual(['10.0.0.7', 'fd00::5', '10.0.0.9', '10.0.0.10']);
  });
  it('errors', () => {
    expect(msg(() => load(conf(base), '1.0.0', 'IP=10.0.0.7;FOO=1'))).toBe('4: ARGS: unknown args ["FOO=1"]');
    expect(msg(() => load(conf(base), '1.0.0', 'IP=notanip'))).toBe('4: ARGS: error parsing value of pair "IP=notanip": invalid IP address notanip');
    expect(msg(() => load(conf(base, { runtimeConfig: { ips: ['bogus'] } })))).toBe('7: cannot understand ip: bogus');
    expect(msg(() => load(conf(base, { args: { cni: { ips: ['bogus'] } } })))).toContain('args.cni.ips[0]: invalid IP address: bogus');
  });
});

describe('resolvConf', () => {
  it('parses like the reference', () => {
    const text = `# c\n; c\nnameserver 192.0.2.53\nnameserver   2001:db8::53\ndomain x.example\ndomain example.com\nsearch a.example b.example\nsearch c.example\noptions ndots:5 timeout:1\nsortlist 1.2.3.4\nnameserver\n`;
    expect(parseResolvConf(text)).toEqual({
      nameservers: ['192.0.2.53', '2001:db8::53'],
      domain: 'example.com',
      search: ['a.example', 'b.example', 'c.example'],
      options: ['ndots:5', 'timeout:1'],
    });
  });
});

describe('GC selection', () => {
  const lease = (name: string, content: string): Lease => ({ name, ip: parseIp(name)!, content });
  const leases = [
    lease('10.0.0.2', 'a\r\neth0'),
    lease('10.0.0.3', 'a\r\neth1'),
    lease('10.0.0.4', 'b\r\neth0'),
    lease('10.0.0.5', 'old'),
    lease('10.0.0.6', 'a'),
  ];
  it('releases what is not a valid attachment; legacy id-only leases follow their container', () => {
    expect(staleLeases(leases, [{ containerID: 'a', ifname: 'eth0' }]).map((l) => l.name)).toEqual(['10.0.0.3', '10.0.0.4', '10.0.0.5']);
    expect(staleLeases(leases, []).map((l) => l.name)).toHaveLength(5);
  });
  it('lease owner parsing', () => {
    expect(leaseOwner('a\r\neth0')).toEqual({ id: 'a', ifname: 'eth0' });
    expect(leaseOwner('a')).toEqual({ id: 'a' });
  });
});
