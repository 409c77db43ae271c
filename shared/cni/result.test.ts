import { describe, expect, it } from 'vitest';
import { formatResult, parseResult, type Result } from './result.ts';

const full: Result = {
  interfaces: [
    { name: 'cni0', mac: '00:11:22:33:44:55' },
    { name: 'eth0', mac: '99:88:77:66:55:44', mtu: 1400, sandbox: '/var/run/netns/blue', pciID: '0000:04:00.5' },
  ],
  ips: [
    { interface: 1, address: '10.1.0.5/16', gateway: '10.1.0.1' },
    { interface: 1, address: '10.2.0.5/16' },
    { interface: 1, address: '2001:db8::5/64', gateway: '2001:db8::1' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', priority: 100, table: 0 }, { dst: '::/0' }],
  dns: { nameservers: ['10.1.0.1'] },
};

describe('formatResult', () => {
  it('prints 1.1.0 with Go key order and zero table kept', () => {
    const o = formatResult(full, '1.1.0');
    expect(JSON.stringify(o)).toBe(
      '{"cniVersion":"1.1.0","interfaces":[{"name":"cni0","mac":"00:11:22:33:44:55"},{"name":"eth0","mac":"99:88:77:66:55:44","mtu":1400,"sandbox":"/var/run/netns/blue","pciID":"0000:04:00.5"}],' +
        '"ips":[{"interface":1,"address":"10.1.0.5/16","gateway":"10.1.0.1"},{"interface":1,"address":"10.2.0.5/16"},{"interface":1,"address":"2001:db8::5/64","gateway":"2001:db8::1"}],' +
        '"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1","priority":100,"table":0},{"dst":"::/0"}],"dns":{"nameservers":["10.1.0.1"]}}',
    );
  });

  it('adds ips[].version and drops 1.1-only interface fields for 0.4.0', () => {
    const o = formatResult(full, '0.4.0') as { ips: Array<{ version: string }>; interfaces: Array<Record<string, unknown>> };
    expect(o.ips.map((i) => i.version)).toEqual(['4', '4', '6']);
    expect(Object.keys(o.ips[0]!)).toEqual(['version', 'interface', 'address', 'gateway']);
    expect(o.interfaces[1]).toEqual({ name: 'eth0', mac: '99:88:77:66:55:44', sandbox: '/var/run/netns/blue' });
  });

  it('keeps only the first address per family for 0.2.0 and splits routes by family', () => {
    expect(formatResult(full, '0.2.0')).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }] },
      ip6: { ip: '2001:db8::5/64', gateway: '2001:db8::1', routes: [{ dst: '::/0' }] },
      dns: { nameservers: ['10.1.0.1'] },
    });
  });

  it('fails the 0.x legacy conversion without addresses', () => {
    expect(() => formatResult({ interfaces: [{ name: 'lo' }] }, '0.1.0')).toThrow('cannot convert: no valid IP addresses');
  });

  it('prints an empty dns object as Go does', () => {
    expect(formatResult({ ips: [{ address: '10.0.0.2/24' }] }, '1.0.0')).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }], dns: {} });
  });

  it('refuses unknown target versions', () => {
    expect(() => formatResult(full, '1.2.0')).toThrow(/no converter/);
  });
});

describe('parseResult', () => {
  it('reads a 0.2.0 result into the current form', () => {
    const r = parseResult({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }] } }, '1.0.0');
    expect(r.ips).toEqual([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }]);
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0' }]);
  });

  it('drops ips[].version from 0.4.0 results and takes the config version when unlabelled', () => {
    const r = parseResult({ ips: [{ version: '4', address: '10.0.0.2/24', interface: 0 }] }, '0.4.0');
    expect(r.cniVersion).toBe('0.4.0');
    expect(r.ips).toEqual([{ address: '10.0.0.2/24', interface: 0 }]);
  });

  it('matches keys without regard to case, as Go does', () => {
    const r = parseResult({ CNIVersion: '1.0.0', IPs: [{ Address: '10.0.0.2/24', Gateway: '10.0.0.1' }] }, '1.0.0');
    expect(r.ips).toEqual([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }]);
  });

  it('round-trips 1.1.0 through 0.4.0', () => {
    const back = parseResult(formatResult(full, '0.4.0'), '0.4.0');
    expect(back.ips).toEqual(full.ips);
    expect(back.routes).toEqual(full.routes);
  });

  it('rejects unknown versions and invalid addresses', () => {
    expect(() => parseResult({ cniVersion: '0.5.0', ips: [] }, '1.0.0')).toThrow('unsupported CNI result version "0.5.0"');
    expect(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.300/24' }] }, '1.0.0')).toThrow(/not a valid CIDR/);
    expect(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: 5 }] }, '1.0.0')).toThrow(/ips\[0\]\.address/);
  });
});
