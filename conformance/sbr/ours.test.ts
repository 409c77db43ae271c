// sbr beyond the differential runs: the `table` key, an address without any gateway (upstream
// #654), a failed ADD taking back what it did, bad input, and a multi-homed container answering
// on each interface from that interface's address.
import { describe, expect, it } from 'vitest';
import { createNetns, haveOurBin, must, nextId, nsExec } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, makeCtr, snapshot } from './helpers.ts';

useCleanup({ scope: 'each' });

const ONE = [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }];

describe.skipIf(!haveOurBin('sbr'))('sbr (ours)', () => {
  it('table set: only the rules, into that table; DEL removes only that table’s rules', async () => {
    const addrs = [...ONE, { cidr: 'fd00:163::2/64', gateway: 'fd00:163::1' }];
    const ns = await makeCtr(addrs, ['rule add from 10.163.1.2 table 300']);
    const before = await snapshot(ns);
    const cf = conf(ns, addrs, { table: 200 });
    const add = await call('ours', ns, 'ADD', cf);
    expect(add.code, add.stdout).toBe(0);
    const after = await snapshot(ns);
    expect(after.routes).toEqual(before.routes);
    expect(after.rules.filter((l) => !before.rules.includes(l))).toEqual(['32764:\tfrom 10.163.1.2 lookup 200', '32765:\tfrom fd00:163::2 lookup 200']);
    expect((await call('ours', ns, 'CHECK', cf)).code).toBe(0);
    expect((await call('ours', ns, 'DEL', cf)).code).toBe(0);
    expect(await snapshot(ns)).toEqual(before);
  });

  it('an address with no gateway at all (upstream #654): its table holds its subnet; with the result’s default route, that gateway', async () => {
    const ns = await makeCtr([{ cidr: '10.163.1.2/24' }]);
    const add = await call('ours', ns, 'ADD', conf(ns, [{ cidr: '10.163.1.2/24' }]));
    expect(add.code, add.stdout).toBe(0);
    expect((await snapshot(ns)).routes.filter((l) => /table 100/.test(l))).toEqual(['10.163.1.0/24 dev eth0 table 100 proto kernel scope link src 10.163.1.2']);

    const ns2 = await makeCtr([{ cidr: '10.163.1.2/24' }]);
    const cf = conf(ns2, [{ cidr: '10.163.1.2/24' }]);
    (cf.prevResult as { routes?: unknown }).routes = [{ dst: '0.0.0.0/0', gw: '10.163.1.254' }];
    expect((await call('ours', ns2, 'ADD', cf)).code).toBe(0);
    expect((await snapshot(ns2)).routes).toContain('default via 10.163.1.254 dev eth0 table 100');
  });

  it('a failed ADD (a gateway the kernel cannot reach) takes back its rule and leaves main as it was', async () => {
    const ns = await makeCtr(ONE);
    const before = await snapshot(ns);
    const add = await call('ours', ns, 'ADD', conf(ns, [{ cidr: '10.163.1.2/24', gateway: '10.99.99.1' }]));
    expect(add.code).not.toBe(0);
    expect(add.json.msg).toMatch(/^Failed to add default route to 10.99.99.1: /);
    expect(await snapshot(ns)).toEqual(before);
  });

  it('bad input: a spec error naming the field, nothing changed', async () => {
    const ns = await makeCtr(ONE);
    const before = await snapshot(ns);
    for (const [extra, re] of [
      [{ table: 'x' }, /^failed to parse network configuration: table: /],
      [{ table: -1 }, /table: must be at least 1/],
      [{ table: 1.5 }, /table: must be a whole number/],
      [{ table: 2 ** 32 }, /table: must be at most/],
    ] as const) {
      const r = await call('ours', ns, 'ADD', conf(ns, ONE, extra));
      expect(r.json.code, JSON.stringify(extra)).toBe(7);
      expect(r.json.msg).toMatch(re);
    }
    const noPrev = conf(ns, ONE);
    delete noPrev.prevResult;
    expect((await call('ours', ns, 'ADD', noPrev)).json.msg).toBe('This plugin must be called as chained plugin');
    expect(await snapshot(ns)).toEqual(before);
  });

  it('multi-homed: with sbr on net1, a client beyond net1’s router gets answers from net1’s address', async () => {
    // ctr: eth0 10.164.1.2 (default via 10.164.1.1 in A, which knows nothing of C), net1 10.164.2.2 (router B).
    // client in C (10.164.3.2) reaches 10.164.2.2 through B; the answer must leave through net1.
    const [ctr, a, b, c] = await Promise.all(['c', 'a', 'b', 'cl'].map((s) => createNetns(`mh${s}${nextId()}`)));
    const batch = (ns: string, lines: string[]) => must('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
    await batch(ctr!.name, [
      `link add eth0 type veth peer name ea netns ${a!.name}`,
      `link add net1 type veth peer name nb netns ${b!.name}`,
      'addr add 10.164.1.2/24 dev eth0',
      'addr add 10.164.2.2/24 dev net1',
      'link set eth0 up',
      'link set net1 up',
      'link set lo up',
      'route add default via 10.164.1.1',
    ]);
    await batch(a!.name, ['addr add 10.164.1.1/24 dev ea', 'link set ea up']);
    await batch(b!.name, [
      `link add bc type veth peer name cb netns ${c!.name}`,
      'addr add 10.164.2.1/24 dev nb',
      'addr add 10.164.3.1/24 dev bc',
      'link set nb up',
      'link set bc up',
    ]);
    await nsExec(b!.path, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await batch(c!.name, ['addr add 10.164.3.2/24 dev cb', 'link set cb up', 'route add default via 10.164.3.1']);
    const ping = async (from: typeof a, to: string) => (await nsExec(from!.path, 'ping', ['-c', '3', '-i', '0.3', '-W', '1', to])).code;
    expect(await ping(c, '10.164.2.2')).not.toBe(0);
    const cf = conf(ctr!, [{ cidr: '10.164.2.2/24', gateway: '10.164.2.1' }]);
    (cf.prevResult as { interfaces: Array<{ name: string }> }).interfaces[0]!.name = 'net1';
    const add = await call('ours', ctr!, 'ADD', cf, 'net1');
    expect(add.code, add.stdout).toBe(0);
    expect(await ping(c, '10.164.2.2')).toBe(0);
    expect(await ping(a, '10.164.1.2')).toBe(0);
  });
});
