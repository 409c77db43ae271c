import { describe, expect, it } from 'vitest';
import { createLinkLines } from '../../shared/host/container-link.ts';
import { loadConf, tapAttrs, tuntapOptions } from './config.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'tap' };

describe('tap config', () => {
  it('MAC precedence as tap.go loadConf: mac < CNI_ARGS MAC= < runtimeConfig.mac', () => {
    expect(loadConf({ ...base, mac: '02:00:00:00:00:01' }, '').mac).toBe('02:00:00:00:00:01');
    expect(loadConf({ ...base, mac: '02:00:00:00:00:01' }, 'MAC=02-00-00-00-00-02').mac).toBe('02:00:00:00:00:02');
    expect(loadConf({ ...base, mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=02:00:00:00:00:02').mac).toBe('02:00:00:00:00:03');
    expect(() => loadConf({ ...base }, 'MAC=zz')).toThrow(/CNI_ARGS MAC: invalid MAC address "zz"/);
    expect(() => loadConf({ ...base, runtimeConfig: { mac: '02:00:00:00:00:00:00:01' } }, '')).toThrow(/runtimeConfig.mac: invalid MAC/);
    expect(() => loadConf({ ...base }, 'FOO=1')).toThrow(/ARGS: unknown args/);
  });

  it('keys match case-insensitively; owner 0 is an owner', () => {
    const c = loadConf({ ...base, MULTIQUEUE: true, Owner: 0, group: 5, MTU: 1400, Bridge: 'br0' }, '');
    expect(c).toMatchObject({ multiQueue: true, owner: 0, group: 5, mtu: 1400, bridge: 'br0' });
    expect(tuntapOptions(c)).toEqual(['multi_queue', 'user', 0, 'group', 5, 'vnet_hdr']);
    expect(tapAttrs(c)).toEqual(['mtu', 1400, 'master', 'br0']);
  });

  it('the reference adds vnet_hdr only on its netlink path: owner and group both set', () => {
    expect(tuntapOptions(loadConf({ ...base, owner: 1 }, ''))).toEqual(['user', 1]);
    expect(tuntapOptions(loadConf({ ...base, group: 1 }, ''))).toEqual(['group', 1]);
    expect(tuntapOptions(loadConf({ ...base }, ''))).toEqual([]);
  });

  it('creation: tuntap add inside the container, then its attributes on one more line', () => {
    const c = loadConf({ ...base, multiQueue: true, owner: 7, mac: '02:00:00:00:00:01', mtu: 1400 }, '');
    const spec = {
      netns: '/run/netns/c',
      ifname: 'eth0',
      kind: 'tap',
      inContainer: true,
      attrs: tapAttrs(c),
      tuntap: { mode: 'tap' as const, options: tuntapOptions(c) },
      type: [],
    };
    expect(createLinkLines(spec, 'veth01020304')).toEqual([
      'tuntap add mode tap name veth01020304 multi_queue user 7',
      'link set dev veth01020304 mtu 1400 address 02:00:00:00:00:01',
    ]);
    expect(createLinkLines({ ...spec, attrs: [] }, 'veth01020304')).toHaveLength(1);
    expect(() => createLinkLines({ ...spec, inContainer: false }, 'veth01020304')).toThrow(/created inside the container/);
  });

  it('refuses bad values naming the field; DEL does not refuse what only ADD uses', () => {
    expect(() => loadConf({ ...base, owner: -1 }, '')).toThrow(/owner: must be at least 0/);
    expect(() => loadConf({ ...base, group: 1.5 }, '')).toThrow(/group: must be a whole number/);
    expect(() => loadConf({ ...base, bridge: 'a b' }, '')).toThrow(/bridge: interface name contains/);
    expect(() => loadConf({ ...base, selinuxContext: 'bad label' }, '')).toThrow(/selinuxContext: "bad label" is not an SELinux label/);
    expect(loadConf({ ...base, mac: 'zz', bridge: 'a b' }, '', true).bridge).toBe('a b');
  });
});
