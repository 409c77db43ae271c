import { describe, expect, it } from 'vitest';
import { thrown as err } from '../../shared/cni/thrown.ts';
import type { Result } from '../../shared/cni/result.ts';
import { DEFAULT_ROOT, parseDnsnameConf, requirePrev } from './config.ts';
import { dnsNameProblem } from './names.ts';
import { confInterface, hostsLine, parseHosts, parseRecords, pathsOf, renderConf, renderHosts, renderRecords } from './files.ts';
import {
  attachmentIps,
  bridgeOf,
  isEmpty,
  isGlobalUnicast,
  nameserversOf,
  namesOf,
  planAdd,
  planDel,
  planGc,
  prune,
  resultWithDns,
  type State,
} from './plan.ts';

const base = { cniVersion: '1.0.0', name: 'net1', type: 'dnsname', domainName: 'dns.podman' };
const parse = (extra: Record<string, unknown> = {}, args = 'K8S_POD_NAME=web', xdg?: string) => parseDnsnameConf({ ...base, ...extra }, args, xdg);

const PREV: Result = {
  interfaces: [{ name: 'cni-podman1', mac: '02:00:00:00:00:01' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/x' }],
  ips: [
    { interface: 2, address: '10.88.1.5/24', gateway: '10.88.1.1' },
    { interface: 2, address: 'fd00:88:0:0::5/64' },
  ],
  dns: { nameservers: ['1.1.1.1'], search: ['example.org'] },
};

describe('config', () => {
  it('reads domainName, the aliases of this network and K8S_POD_NAME; the reference root by default', () => {
    const c = parse({ runtimeConfig: { aliases: { net1: ['web1', 'f00dfeedbeef'], other: ['x y'] } } }, 'IgnoreUnknown=1;K8S_POD_NAME=web;MAC=x');
    expect(c).toMatchObject({
      network: 'net1',
      domain: 'dns.podman',
      aliases: ['web1', 'f00dfeedbeef'],
      podName: 'web',
      dir: `${DEFAULT_ROOT}/net1`,
      root: DEFAULT_ROOT,
    });
  });

  it('keys case-insensitively, as Go decodes them', () => {
    const c = parseDnsnameConf({ ...base, domainName: undefined, DomainName: 'x.test', RuntimeConfig: { Aliases: { net1: ['a'] } } }, '', undefined);
    expect(c).toMatchObject({ domain: 'x.test', aliases: ['a'] });
    expect(c.podName).toBeUndefined();
  });

  it('under $XDG_RUNTIME_DIR when it is set and not empty', () => {
    expect(parse({}, '', '/run/user/1000').dir).toBe('/run/user/1000/containers/cni/dnsname/net1');
    expect(parse({}, '', '').dir).toBe(`${DEFAULT_ROOT}/net1`);
    expect(err(() => parse({}, '', 'relative/dir')).message).toMatch(/^XDG_RUNTIME_DIR: /);
    expect(err(() => parse({}, '', '/run/../etc')).code).toBe(4);
  });

  it('refuses values that could break a hosts line, a dnsmasq option or a path, naming the field', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ domainName: 'dns\npodman' }, 'K8S_POD_NAME=a', /^domainName: .*control characters/],
      [{ domainName: '' }, '', /^domainName: must be set/],
      [{ domainName: 'a/b' }, '', /^domainName: .*path separator/],
      [{ domainName: 'a..b' }, '', /^domainName: .*empty label/],
      [{ runtimeConfig: { aliases: { net1: ['ok', 'bad\talias'] } } }, '', /^runtimeConfig\.aliases\.net1\[1\]: .*control/],
      [{ runtimeConfig: { aliases: { net1: ['-lead'] } } }, '', /^runtimeConfig\.aliases\.net1\[0\]: .*not a DNS label/],
      [{ runtimeConfig: { aliases: { net1: [7] } } }, '', /runtimeConfig\.aliases\.net1\[0\]: must be a string/],
      [{}, 'K8S_POD_NAME=../etc', /^CNI_ARGS K8S_POD_NAME: /],
      [{}, 'K8S_POD_NAME=a b', /^CNI_ARGS K8S_POD_NAME: .*white space/],
      [{ domainName: 7 }, '', /domainName: must be a string/],
      [{}, 'FOO=1', /unknown args/],
    ];
    for (const [extra, args, re] of cases) expect(err(() => parse(extra, args)).message, JSON.stringify([extra, args])).toMatch(re);
    expect(err(() => parse({ name: 'a/b' })).message).toMatch(/^name: /);
  });

  it('DNS-name rules', () => {
    for (const ok of ['web', 'proj_web_1', 'a.b-c', 'f00dfeedbeef', 'x'.repeat(63)]) expect(dnsNameProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'a b', 'a\nb', 'a/b', '.a', 'a.', '-a', 'a-', 'x'.repeat(64), `${'a.'.repeat(127)}a`, 'a#b', 'a;b'])
      expect(dnsNameProblem(bad), bad).toBeDefined();
  });

  it('prevResult is required for ADD and CHECK (a spec error)', () => {
    const e = err(() => requirePrev(parse(), '1.0.0'));
    expect(e.code).toBe(7);
    expect(e.message).toMatch(/^prevResult: missing/);
  });
});

describe('prevResult', () => {
  it('the bridge is the first interface, checked as an interface name', () => {
    expect(bridgeOf(PREV)).toBe('cni-podman1');
    expect(err(() => bridgeOf({})).message).toMatch(/^prevResult\.interfaces: empty/);
    expect(err(() => bridgeOf({ interfaces: [{ name: 'a\nb' }] })).message).toMatch(/^prevResult\.interfaces\[0\]\.name: /);
  });

  it('addresses as result.go getIPs picks them, canonical', () => {
    expect(attachmentIps(PREV)).toEqual(['10.88.1.5', 'fd00:88::5']);
    expect(attachmentIps({ ips: [{ address: '10.0.0.2/24' }] })).toEqual(['10.0.0.2']);
    // Several addresses: only those on a sandboxed interface; one without an interface is skipped.
    expect(
      attachmentIps({
        interfaces: [{ name: 'br' }, { name: 'eth0', sandbox: '/x' }],
        ips: [{ interface: 0, address: '10.0.0.1/24' }, { address: '10.0.0.3/24' }, { interface: 1, address: '10.0.0.2/24' }],
      }),
    ).toEqual(['10.0.0.2']);
    expect(err(() => attachmentIps({})).message).toBe('no ip address was found in the network');
    expect(
      err(() =>
        attachmentIps({
          interfaces: [],
          ips: [
            { interface: 3, address: '10.0.0.1/24' },
            { interface: 3, address: '10.0.0.2/24' },
          ],
        }),
      ).message,
    ).toMatch(/out of range/);
  });

  it('nameservers: the global-unicast addresses of the bridge, in order, before the existing ones; domain appended to search', () => {
    expect(nameserversOf([{ local: '10.88.1.1' }, { local: '169.254.1.1' }, { local: 'fe80::1' }, { local: 'fd00:88::1' }, { local: '127.0.0.1' }])).toEqual([
      '10.88.1.1',
      'fd00:88::1',
    ]);
    expect(isGlobalUnicast('255.255.255.255')).toBe(false);
    expect(isGlobalUnicast('224.0.0.1')).toBe(false);
    expect(isGlobalUnicast('192.168.1.1')).toBe(true);
    const r = resultWithDns(PREV, ['10.88.1.1'], 'dns.podman');
    expect(r.dns).toEqual({ nameservers: ['10.88.1.1', '1.1.1.1'], search: ['example.org', 'dns.podman'] });
    expect(resultWithDns({}, [], 'd').dns).toEqual({ nameservers: [], search: ['d'] });
    expect(PREV.dns?.nameservers).toEqual(['1.1.1.1']);
  });
});

describe('files', () => {
  const p = pathsOf('/run/containers/cni/dnsname/net1');

  it('dnsmasq.conf is the reference template, byte for byte', () => {
    expect(renderConf('dns.podman', 'cni-podman1', p)).toBe(
      '## WARNING: THIS IS AN AUTOGENERATED FILE\n## AND SHOULD NOT BE EDITED MANUALLY AS IT\n## LIKELY TO AUTOMATICALLY BE REPLACED.\n' +
        'strict-order\nlocal=/dns.podman/\ndomain=dns.podman\nexpand-hosts\npid-file=/run/containers/cni/dnsname/net1/pidfile\n' +
        'except-interface=lo\nbind-dynamic\nno-hosts\ninterface=cni-podman1\naddn-hosts=/run/containers/cni/dnsname/net1/addnhosts\n',
    );
    expect(confInterface(renderConf('d', 'br0', p))).toBe('br0');
    expect(confInterface('strict-order\n')).toBeUndefined();
    expect(p.lock).toBe('/run/containers/cni/dnsname/net1/lock');
  });

  it('addnhosts: tab-separated lines, parsed as strings.Fields', () => {
    const lines = [hostsLine('10.0.0.2', ['web', 'a1']), hostsLine('10.0.0.3', ['db'])];
    const text = renderHosts(lines);
    expect(text).toBe('10.0.0.2\tweb\ta1\n10.0.0.3\tdb\n');
    expect(parseHosts(`${text}\n  \n10.0.0.4  x  y\n`).map((l) => [l.ip, l.names])).toEqual([
      ['10.0.0.2', ['web', 'a1']],
      ['10.0.0.3', ['db']],
      ['10.0.0.4', ['x', 'y']],
    ]);
  });

  it('records round-trip; a damaged file reads as empty', () => {
    const r = new Map([
      ['c2/eth0', { ips: ['10.0.0.3'], names: ['db'] }],
      ['c1/eth0', { ips: ['10.0.0.2'], names: ['web'] }],
    ]);
    expect(parseRecords(renderRecords(r))).toEqual(r);
    expect([...parseRecords(renderRecords(r)).keys()]).toEqual(['c1/eth0', 'c2/eth0']);
    expect(parseRecords('{oops').size).toBe(0);
    expect(parseRecords(undefined).size).toBe(0);
  });
});

describe('plans', () => {
  const empty: State = { lines: [], records: new Map() };
  const texts = (s: State) => s.lines.map((l) => l.text);

  it('ADD writes one line per address; a repeated ADD does not duplicate them', () => {
    const s1 = planAdd(empty, 'c1/eth0', ['10.0.0.2', 'fd00::2'], ['web', 'a1']);
    expect(texts(s1)).toEqual(['10.0.0.2\tweb\ta1', 'fd00::2\tweb\ta1']);
    expect(texts(planAdd(s1, 'c1/eth0', ['10.0.0.2', 'fd00::2'], ['web', 'a1']))).toEqual(texts(s1));
  });

  it('no K8S_POD_NAME: the aliases are the names; none at all writes no line (never an empty name)', () => {
    expect(namesOf(undefined, ['a'])).toEqual(['a']);
    expect(namesOf('web', ['a'])).toEqual(['web', 'a']);
    const s = planAdd(empty, 'c1/eth0', ['10.0.0.2'], []);
    expect(s.lines).toEqual([]);
    expect(isEmpty(s)).toBe(false); // the attachment still uses the network's dnsmasq
    expect(isEmpty(planDel(s, 'c1/eth0', [], undefined))).toBe(true);
  });

  it('two containers with the same K8S_POD_NAME do not remove each other (containers/dnsname #86)', () => {
    let s = planAdd(empty, 'c1/eth0', ['10.0.0.2'], ['web']);
    s = planAdd(s, 'c2/eth0', ['10.0.0.3'], ['web']);
    const after = planDel(s, 'c1/eth0', ['10.0.0.2'], 'web');
    expect(texts(after)).toEqual(['10.0.0.3\tweb']);
    expect([...after.records.keys()]).toEqual(['c2/eth0']);
  });

  it('DEL without prevResult uses the record; without a record, the address and K8S_POD_NAME (Go-written lines)', () => {
    const s = planAdd(empty, 'c1/eth0', ['10.0.0.2'], ['web']);
    expect(planDel(s, 'c1/eth0', [], undefined).lines).toEqual([]);
    const go: State = { lines: parseHosts('10.0.0.5\tgo1\n10.0.0.6\tgo1\n'), records: new Map() };
    expect(texts(planDel(go, 'x/eth0', ['10.0.0.5'], 'go1'))).toEqual(['10.0.0.6\tgo1']);
    // A late DEL of an address now held by another container leaves that container's line.
    expect(texts(planDel(go, 'x/eth0', ['10.0.0.5'], 'other'))).toEqual(['10.0.0.5\tgo1', '10.0.0.6\tgo1']);
  });

  it('ADD replaces a stale line of the same address and takes the address from an old record', () => {
    let s = planAdd(empty, 'old/eth0', ['10.0.0.2'], ['gone']);
    s = planAdd(s, 'new/eth0', ['10.0.0.2'], ['web']);
    expect(texts(s)).toEqual(['10.0.0.2\tweb']);
    expect(s.records.get('old/eth0')).toBeUndefined();
  });

  it('prune drops records whose lines the Go plugin removed', () => {
    const s = planAdd(empty, 'c1/eth0', ['10.0.0.2'], ['web']);
    expect(prune({ lines: [], records: s.records }).records.size).toBe(0);
    expect(prune(s).records.size).toBe(1);
  });

  it('GC removes recorded attachments that are not valid, keeps unrecorded lines', () => {
    let s: State = { lines: parseHosts('10.0.0.9\tgo\n'), records: new Map() };
    s = planAdd(s, 'c1/eth0', ['10.0.0.2'], ['a']);
    s = planAdd(s, 'c2/eth0', ['10.0.0.3'], ['b']);
    const g = planGc(s, new Set(['c2/eth0']));
    expect(texts(g)).toEqual(['10.0.0.9\tgo', '10.0.0.3\tb']);
    expect(isEmpty(planGc(planAdd(empty, 'c1/eth0', ['10.0.0.2'], ['a']), new Set()))).toBe(true);
  });
});
