import { describe, expect, it } from 'vitest';
import { parseLinks, parseRoutes } from '../../shared/host/iproute2.ts';
import { parseVrfConf, requirePrev } from './config.ts';
import { addrsSettled, decideAdd, decideDel, delLines, droppedAddrs, enslaveSteps, freeTable, routeLines } from './plan.ts';

const vrf = (ifname: string, table: number) => ({ ifindex: 10 + table, ifname, flags: [], linkinfo: { info_kind: 'vrf', info_data: { table } } });
const LINKS = parseLinks([
  { ifindex: 1, ifname: 'lo', flags: [] },
  { ifindex: 2, ifname: 'eth0', flags: [] },
  vrf('red', 1),
  vrf('blue', 3),
  { ifindex: 5, ifname: 'net1', flags: [], master: 'red' },
]);
const base = { cniVersion: '1.0.0', name: 'n', type: 'vrf' };

describe('config', () => {
  it('requires vrfname, a link name; table a uint32', () => {
    expect(parseVrfConf({ ...base, VRFName: 'red', table: 7 })).toMatchObject({ vrfname: 'red', table: 7 });
    expect(parseVrfConf({ ...base, vrfname: 'red' }).table).toBe(0);
    expect(() => parseVrfConf(base)).toThrow(/^vrfname: /);
    expect(() => parseVrfConf({ ...base, vrfname: 'a b' })).toThrow(/^vrfname: /);
    expect(() => parseVrfConf({ ...base, vrfname: 'x'.repeat(16) })).toThrow(/^vrfname: interface name is too long/);
    for (const t of ['x', -1, 1.5, 2 ** 32]) expect(() => parseVrfConf({ ...base, vrfname: 'red', table: t })).toThrow(/table: /);
    expect(() => requirePrev(parseVrfConf({ ...base, vrfname: 'red' }), '1.0.0')).toThrow('missing prevResult from earlier plugin');
  });
});

describe('ADD decisions (before anything changes)', () => {
  it('creates a VRF with the lowest table no VRF uses, or the configured one', () => {
    expect(freeTable(LINKS)).toBe(2);
    expect(decideAdd(LINKS, 'green', 0, 'eth0')).toEqual({ create: true, table: 2 });
    expect(decideAdd(LINKS, 'green', 42, 'eth0')).toEqual({ create: true, table: 42 });
  });
  it('reuses an existing VRF; a different configured table is an error', () => {
    expect(decideAdd(LINKS, 'red', 0, 'eth0')).toEqual({ create: false, table: 1 });
    expect(decideAdd(LINKS, 'red', 1, 'eth0')).toEqual({ create: false, table: 1 });
    expect(() => decideAdd(LINKS, 'red', 5, 'eth0')).toThrow('VRF red already exist with different routing table 1');
    expect(() => decideAdd(LINKS, 'lo', 0, 'eth0')).toThrow('Netlink lo is not a VRF');
  });
  it('refuses an interface that already has a master, or is missing', () => {
    expect(() => decideAdd(LINKS, 'blue', 0, 'net1')).toThrow('interface net1 has already a master set: red');
    expect(() => decideAdd(LINKS, 'blue', 0, 'eth9')).toThrow('could not get link by name eth9');
  });
  it('plans the VRF, up, then the enslavement, with their undo', () => {
    expect(enslaveSteps({ create: true, table: 2 }, 'green', 'eth0').map((s) => [s.line, s.undo])).toEqual([
      ['link add green type vrf table 2', 'link del green'],
      ['link set green up', ''],
      ['link set eth0 master green', 'link set eth0 nomaster'],
    ]);
    expect(enslaveSteps({ create: false, table: 1 }, 'red', 'eth0').map((s) => s.line)).toEqual(['link set eth0 master red']);
  });
  it('re-adds the global IPv6 addresses the kernel dropped, waits for their local routes, moves universe routes', () => {
    expect(droppedAddrs(['fd00::2/64', 'fd00::3/64'], ['fd00::3/64'])).toEqual(['fd00::2/64']);
    expect(addrsSettled(['fd00::2/64'], parseRoutes([{ dst: 'fd00::2', type: 'local', flags: [] }]))).toBe(true);
    expect(addrsSettled(['fd00::2/64'], [])).toBe(false);
    const routes = parseRoutes([
      { dst: 'default', gateway: '10.0.0.1', flags: [] },
      { dst: '10.0.0.0/24', protocol: '2', scope: '253', prefsrc: '10.0.0.2', flags: [] },
      { dst: 'fd00::/64', protocol: '2', metric: 256, flags: [] },
    ]);
    expect(routeLines(routes, 'eth0', 2)).toEqual([
      'route replace default via 10.0.0.1 dev eth0 table 2',
      'route replace fd00::/64 dev eth0 proto 2 metric 256 table 2',
    ]);
  });
});

describe('DEL decisions', () => {
  it('releases the interface from its VRF, deletes the VRF when no member is left', () => {
    const withEth0 = parseLinks([...LINKS.filter((l) => l.ifname !== 'eth0'), { ifindex: 2, ifname: 'eth0', flags: [], master: 'blue' }]);
    expect(decideDel(withEth0, 'blue', 'eth0')).toEqual({ nomaster: true, deleteVrf: true });
    expect(delLines({ nomaster: true, deleteVrf: true }, 'blue', 'eth0')).toEqual(['link set eth0 nomaster', 'link del blue']);
    expect(decideDel(LINKS, 'red', 'eth0')).toEqual({ nomaster: false, deleteVrf: false });
    expect(decideDel(LINKS, 'green', 'eth0')).toBeUndefined();
    // the interface gone (the main plugin's DEL ran first): the VRF goes when it is empty
    expect(decideDel(LINKS, 'blue', 'eth0')).toEqual({ nomaster: false, deleteVrf: true });
  });
});
