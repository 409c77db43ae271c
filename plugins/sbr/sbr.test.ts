import { describe, expect, it } from 'vitest';
import { parseRoutes, parseRules } from '../../shared/host/iproute2.ts';
import { parseSbrConf, requirePrev } from './config.ts';
import { familySteps, ipsOf, nextTable, staleRules, tableSteps, undoOf, usedTables } from './plan.ts';

const prev = {
  interfaces: [
    { name: 'eth0', sandbox: '/x' },
    { name: 'net1', sandbox: '/x' },
  ],
  ips: [
    { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 },
    { address: '10.0.1.2/24', interface: 1 },
    { address: 'fd00::2/64', gateway: 'fd00::1' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.1.254' }],
};

const MAIN4 = parseRoutes([
  { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', flags: [] },
  { dst: '10.0.0.0/24', dev: 'eth0', protocol: '2', scope: '253', prefsrc: '10.0.0.2', flags: [] },
  { dst: '192.168.0.0/16', gateway: '10.9.9.9', dev: 'eth0', metric: 5, flags: ['onlink'] },
]);
const MAIN6 = parseRoutes([
  { dst: 'fd00::/64', dev: 'eth0', protocol: '2', metric: 256, flags: [], pref: 'medium' },
  { dst: 'fe80::/64', dev: 'eth0', protocol: '2', metric: 256, flags: [], pref: 'medium' },
]);

describe('config and addresses', () => {
  it('validates table, names the field', () => {
    const base = { cniVersion: '1.0.0', name: 'n', type: 'sbr' };
    expect(parseSbrConf({ ...base, TABLE: 7 }).table).toBe(7);
    for (const t of [0, -1, 'x', 1.5, 2 ** 32]) expect(() => parseSbrConf({ ...base, table: t })).toThrow(/table: /);
    expect(() => requirePrev(parseSbrConf(base), '1.0.0')).toThrow('This plugin must be called as chained plugin');
  });
  it('takes the addresses of the interface (or with no index), as getIPCfgs', () => {
    expect(ipsOf(prev, 'eth0').map((i) => [i.src, i.gateway])).toEqual([
      ['10.0.0.2/32', '10.0.0.1'],
      ['fd00::2/128', 'fd00::1'],
    ]);
    expect(() => ipsOf({ ips: [] }, 'eth0')).toThrow('No IP addresses supplied on interface: eth0');
  });
  it('gives an address without a gateway the result’s default route of its subnet (#654)', () => {
    expect(ipsOf(prev, 'net1')).toMatchObject([{ src: '10.0.1.2/32', gateway: '10.0.1.254' }, { src: 'fd00::2/128' }]);
    expect(ipsOf({ ...prev, routes: [{ dst: '0.0.0.0/0', gw: '172.16.0.1' }] }, 'net1')[0]!.gateway).toBeUndefined();
  });
});

describe('tables', () => {
  it('skips tables named by rules or holding routes, of either family', () => {
    const used = usedTables(
      parseRules([
        { src: 'all', table: '255' },
        { src: '10.0.0.9', table: '100' },
      ]),
      parseRoutes([{ dst: '1.2.3.0/24', table: '101' }, { dst: '1.2.4.0/24' }]),
    );
    expect([...used].sort()).toEqual([100, 101, 254, 255]);
    expect(nextTable(used, 100)).toBe(102);
  });
});

describe('plans', () => {
  const ips = ipsOf(prev, 'eth0');
  it('IPv4: rule, default via the gateway, the routes of the subnet or with neither source nor gateway; then main emptied', () => {
    const steps = familySteps(ips, 4, MAIN4, new Set([100]), 'eth0');
    expect(steps.map((s) => s.line)).toEqual([
      'rule add from 10.0.0.2/32 table 101',
      'route add 0.0.0.0/0 via 10.0.0.1 dev eth0 table 101',
      'route replace default via 10.0.0.1 dev eth0 table 101',
      'route replace 10.0.0.0/24 dev eth0 proto 2 scope 253 src 10.0.0.2 table 101',
      'route del default via 10.0.0.1 dev eth0 table 254',
      'route del 10.0.0.0/24 dev eth0 proto 2 scope 253 src 10.0.0.2 table 254',
      'route del 192.168.0.0/16 via 10.9.9.9 dev eth0 metric 5 onlink table 254',
    ]);
    expect(undoOf(steps, 2)).toEqual(['route del 0.0.0.0/0 via 10.0.0.1 dev eth0 table 101', 'rule del from 10.0.0.2/32 table 101']);
    expect(steps.at(-1)!.undo).toBe('route add 192.168.0.0/16 via 10.9.9.9 dev eth0 metric 5 onlink table 254');
  });
  it('IPv6: its own table; the link-local route is copied but stays in main', () => {
    const used = new Set([100, 101]);
    const steps = familySteps(ips, 6, MAIN6, used, 'eth0');
    expect(steps.map((s) => s.line)).toEqual([
      'rule add from fd00::2/128 table 102',
      'route add ::/0 via fd00::1 dev eth0 table 102',
      'route replace fd00::/64 dev eth0 proto 2 metric 256 table 102',
      'route replace fe80::/64 dev eth0 proto 2 metric 256 table 102',
      'route del fd00::/64 dev eth0 proto 2 metric 256 table 254',
    ]);
    expect(familySteps([], 6, MAIN6, used, 'eth0')).toEqual([]);
  });
  it('table set: rules only', () => {
    expect(tableSteps(ips, 4, 7).map((s) => s.line)).toEqual(['rule add from 10.0.0.2/32 table 7']);
  });
  it('DEL: the rules whose source is an address of the interface (of the table, when set)', () => {
    const rules = parseRules([
      { priority: 0, src: 'all', table: '255' },
      { priority: 32765, src: '10.0.0.2', table: '100' },
      { priority: 32764, src: '10.0.0.3', table: '101' },
      { priority: 32763, src: '10.0.0.2', srclen: 32, table: '7' },
    ]);
    expect(staleRules(rules, ['10.0.0.2'])).toEqual(['rule del priority 32765 from 10.0.0.2/32 table 100', 'rule del priority 32763 from 10.0.0.2/32 table 7']);
    expect(staleRules(rules, ['10.0.0.2'], 7)).toEqual(['rule del priority 32763 from 10.0.0.2/32 table 7']);
  });
});
