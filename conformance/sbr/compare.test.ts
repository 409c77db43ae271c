// sbr, ours vs the Go reference (1.1.1): the same prevResult on twin namespaces, compared by result,
// `ip rule` of both families and the routes of every table; then DEL.
import { describe, expect, it } from 'vitest';
import { haveOurBin, must } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { IMPLS, call, conf, makeCtr, snapshot, type Addr } from './helpers.ts';

useCleanup({ scope: 'each' });

const LINK_LOCAL_MAIN = 'fe80::/64 dev eth0 proto kernel metric 256 pref medium';

interface Case {
  title: string;
  addrs: Addr[];
  /** addresses in the result but set without their gateway (static IPAM); the main table has the default route */
  resultAddrs?: Addr[];
  extra?: string[];
  version?: string;
}

const CASES: Case[] = [
  { title: 'one IPv4 address with a gateway', addrs: [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }] },
  {
    title: 'two IPv4 addresses in two subnets: a table each',
    addrs: [
      { cidr: '10.163.1.2/24', gateway: '10.163.1.1' },
      { cidr: '10.163.2.2/24', gateway: '10.163.2.1' },
    ],
    version: '0.4.0',
  },
  {
    title: 'tables 100 and 101 already named by rules: 102',
    addrs: [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }],
    extra: ['rule add from 10.163.9.9 table 100', 'rule add fwmark 7 table 101'],
  },
  {
    title: 'an address without a gateway; the main table has the default route (static IPAM)',
    addrs: [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }],
    resultAddrs: [{ cidr: '10.163.1.2/24' }],
    version: '0.3.1',
  },
];

describe.skipIf(!haveOurBin('sbr'))('sbr vs reference', () => {
  it.each(CASES)('$title', async (c) => {
    const out = await Promise.all(
      IMPLS.map(async (impl) => {
        const ns = await makeCtr(c.addrs, c.extra);
        const cf = conf(ns, c.resultAddrs ?? c.addrs, {}, c.version);
        const before = await snapshot(ns);
        const add = await call(impl, ns, 'ADD', cf);
        const afterAdd = await snapshot(ns);
        const del = await call(impl, ns, 'DEL', cf);
        const afterDel = await snapshot(ns);
        return { add, afterAdd, del, afterDel, before, sandbox: ns.path };
      }),
    );
    const [r, o] = out as [(typeof out)[0], (typeof out)[0]];
    expect(r.add.code, r.add.stdout).toBe(0);
    expect(o.add.code, o.add.stdout).toBe(0);
    expect(JSON.stringify(o.add.json).replaceAll(o.sandbox, 'NS')).toBe(JSON.stringify(r.add.json).replaceAll(r.sandbox, 'NS'));
    // The one difference: the reference moves the IPv6 link-local route out of main into the IPv4 table
    const noLinkLocal = (x: typeof r.afterAdd) => ({ ...x, routes: x.routes.filter((l) => !l.startsWith('fe80::/64 dev eth0')) });
    expect(noLinkLocal(o.afterAdd)).toEqual(noLinkLocal(r.afterAdd));
    expect(o.afterAdd.routes).toContain(LINK_LOCAL_MAIN);
    expect(r.afterAdd.routes).not.toContain(LINK_LOCAL_MAIN);
    expect(r.afterAdd.rules.some((l) => /from 10\.163\.1\.2 lookup/.test(l))).toBe(true);
    expect(o.del.code, o.del.stdout).toBe(0);
    expect(noLinkLocal(o.afterDel)).toEqual(noLinkLocal(r.afterDel));
    // DEL removes the rules only; the routes go with the interface
    expect(o.afterDel.rules).toEqual(o.before.rules);
  });

  it('dual stack: the reference copies IPv6 routes into the IPv4 table and strands fe80::/64 there; ours keeps each family in its own tables', async () => {
    const addrs = [
      { cidr: '10.163.1.2/24', gateway: '10.163.1.1' },
      { cidr: 'fd00:163::2/64', gateway: 'fd00:163::1' },
    ];
    const [r, o] = await Promise.all(
      IMPLS.map(async (impl) => {
        const ns = await makeCtr(addrs);
        expect((await call(impl, ns, 'ADD', conf(ns, addrs))).code).toBe(0);
        return snapshot(ns);
      }),
    );
    expect(r!.routes).toContain('fe80::/64 dev eth0 table 100 proto kernel metric 256 pref medium');
    expect(r!.routes).not.toContain('fe80::/64 dev eth0 proto kernel metric 256 pref medium');
    expect(o!.routes.filter((l) => /table 100/.test(l))).toEqual([
      '10.163.1.0/24 dev eth0 table 100 proto kernel scope link src 10.163.1.2',
      'default via 10.163.1.1 dev eth0 table 100',
    ]);
    expect(o!.routes).toContain('default via fd00:163::1 dev eth0 table 101 metric 1024 pref medium');
    expect(o!.routes).toContain('fe80::/64 dev eth0 proto kernel metric 256 pref medium');
    expect(o!.rules).toEqual(r!.rules);
  });

  it('DEL with the interface gone: the reference 1.1.1 fails ("Failed to get link"), ours succeeds', async () => {
    const addrs = [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }];
    const [r, o] = await Promise.all(
      IMPLS.map(async (impl) => {
        const ns = await makeCtr(addrs);
        const cf = conf(ns, addrs);
        expect((await call(impl, ns, 'ADD', cf)).code).toBe(0);
        await must('ip', ['-n', ns.name, 'link', 'del', 'eth0']);
        return call(impl, ns, 'DEL', cf);
      }),
    );
    expect(r!.code).not.toBe(0);
    expect(r!.json.msg).toMatch(/Failed to get link/);
    expect(o!.code, o!.stdout).toBe(0);
  });

  it('DEL with the namespace gone: the reference fails and leaves a plain file at the path; ours succeeds and creates nothing', async () => {
    const addrs = [{ cidr: '10.163.1.2/24', gateway: '10.163.1.1' }];
    for (const impl of IMPLS) {
      const ns = await makeCtr(addrs);
      const gone = `${ns.path}-gone`;
      const d = await call(impl, { ...ns, path: gone }, 'DEL', conf(ns, addrs));
      const left = await must('ls', ['-1', '/var/run/netns']);
      await must('rm', ['-f', gone]);
      if (impl === 'ref') {
        expect(d.json?.msg).toMatch(/unknown FS magic/);
        expect(left).toContain(gone.split('/').at(-1));
      } else {
        expect(d.code, d.stdout).toBe(0);
        expect(left).not.toContain(gone.split('/').at(-1));
      }
    }
  });
});
