import { describe, expect, it } from 'vitest';
import { thrown as err } from '../../shared/cni/thrown.ts';
import { DEFAULT_DATA_DIR, parseTuningConf, touchesLink } from './config.ts';
import { parseMac } from '../../shared/host/mac.ts';
import { printedName, sysctlKeyProblem, sysctlPathFor, sysctlValueProblem } from './sysctl-key.ts';
import { assertAllowed, goRegExp, parseAllowlist } from './allowlist.ts';
import { formatSaved, parseSaved, stateFile } from './state.ts';
import { linkLines, ADD_ORDER, RESTORE_ORDER } from './link.ts';
import { checkProblem, originalsOf, resultWithMac, wantedOf } from './plan.ts';
import { parseSysctlOutput } from './netns-sysctl.ts';

const base = { cniVersion: '1.0.0', name: 'n', type: 'tuning' };
const parse = (extra: Record<string, unknown>, args = '') => parseTuningConf({ ...base, ...extra }, args);

describe('config', () => {
  it('defaults as tuning.go parseConf', () => {
    const c = parse({});
    expect(c).toMatchObject({ dataDir: DEFAULT_DATA_DIR, sysctl: [], promisc: false, mtu: 0 });
    expect(c.mac).toBeUndefined();
    expect(touchesLink(c)).toBe(false);
  });

  it('MAC precedence: conf < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac', () => {
    expect(parse({ mac: '02:00:00:00:00:01' }).mac).toBe('02:00:00:00:00:01');
    expect(parse({ mac: '02:00:00:00:00:01' }, 'MAC=02:00:00:00:00:02').mac).toBe('02:00:00:00:00:02');
    expect(parse({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=02:00:00:00:00:02').mac).toBe('02:00:00:00:00:03');
    expect(parse({ runtimeConfig: { mac: '02:00:00:00:00:03' }, args: { cni: { mac: '02:00:00:00:00:04' } } }).mac).toBe('02:00:00:00:00:04');
    // args.cni.mac "" clears it (a Go *string that is set).
    expect(parse({ mac: '02:00:00:00:00:01', args: { cni: { mac: '' } } }).mac).toBeUndefined();
  });

  it('args.cni overrides promisc/mtu/allmulti/txQLen and merges sysctl', () => {
    const c = parse({
      promisc: true,
      mtu: 1400,
      sysctl: { 'net.a.b': '1', 'net.c': '2' },
      args: { cni: { promisc: false, mtu: 1300, allmulti: false, txQLen: 0, sysctl: { 'net.c': '3' } } },
    });
    expect(c).toMatchObject({
      promisc: false,
      mtu: 1300,
      allmulti: false,
      txQLen: 0,
      sysctl: [
        ['net.a.b', '1'],
        ['net.c', '3'],
      ],
    });
    expect(touchesLink(c)).toBe(true);
  });

  it('CNI_ARGS: only MAC (and IgnoreUnknown) as the reference MacEnvArgs', () => {
    expect(err(() => parse({}, 'MTU=1400')).message).toMatch(/unknown args/);
    expect(parse({}, 'IgnoreUnknown=1;MTU=1400;MAC=02:00:00:00:00:09').mac).toBe('02:00:00:00:00:09');
  });

  it('keys are case-insensitive like Go struct fields', () => {
    expect(parse({ MTU: 1400, Promisc: true }).mtu).toBe(1400);
  });

  it.each([
    [{ mtu: -1 }, /mtu: must be at least 0/],
    [{ mtu: 1500.5 }, /mtu: must be a whole number/],
    [{ mtu: '1500' }, /mtu:/],
    [{ txQLen: -5 }, /txQLen: must be at least 0/],
    [{ promisc: 'yes' }, /promisc:/],
    [{ sysctl: { 'net.a': 1 } }, /sysctl\.net\.a: must be a string/],
    [{ mac: 'zz:00:00:00:00:00' }, /mac: invalid MAC address/],
    [{ mac: '02:00:00:00:00:01\nlink del eth0' }, /mac: invalid MAC/],
    [{ dataDir: 'relative' }, /dataDir: .* is not an absolute path/],
    [{ dataDir: '/var/lib/../../etc' }, /dataDir: .*".." components/],
    [{ dataDir: '/tmp/x\ny' }, /dataDir: contains control characters/],
    [{ sysctl: { 'kernel.hostname': 'x' } }, /sysctl: key "kernel.hostname": is not a net\.\* sysctl/],
    [{ sysctl: { 'net/../kernel/hostname': 'x' } }, /has an empty, "\." or "\.\." component/],
    [{ sysctl: { 'net.ipv4..ip_forward': '1' } }, /has an empty/],
    [{ sysctl: { 'net.ipv4.ip_forward\n': '1' } }, /control characters/],
    [{ sysctl: { 'net.ipv4.ip_forward\u0000': '1' } }, /control characters/],
    [{ sysctl: { 'net.ipv4.ip_forward=0 net.x': '1' } }, /white space|"="/],
    [{ sysctl: { 'net.ipv4.ip_forward': '1\nkernel.x=1' } }, /value of "net.ipv4.ip_forward": contains control characters/],
    [{ sysctl: { net: '1' } }, /is not a net/],
  ])('rejects %j', (extra, re) => {
    const e = err(() => parse(extra));
    expect(e.code).toBe(7);
    expect(e.message).toMatch(re);
  });
});

describe('mac', () => {
  it.each([
    ['02:AA:bb:cc:dd:01', '02:aa:bb:cc:dd:01'],
    ['02-aa-bb-cc-dd-01', '02:aa:bb:cc:dd:01'],
    ['02aa.bbcc.dd01', '02:aa:bb:cc:dd:01'],
    ['02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:01'],
  ])('parses %s as net.ParseMAC', (s, want) => expect(parseMac(s)).toBe(want));
  it.each(['', '02:aa:bb:cc:dd', '02:aa:bb:cc:dd:01:02', '02:aa-bb:cc:dd:01', '02:aa:bb:cc:dd:0g', '02aa.bbcc.dd0', ' 02:aa:bb:cc:dd:01'])('rejects %j', (s) =>
    expect(parseMac(s)).toBeUndefined(),
  );
});

describe('sysctl keys', () => {
  it('dots become slashes, then IFNAME is substituted once (dotted interface names stay one component)', () => {
    expect(sysctlPathFor('net.ipv4.conf.IFNAME.arp_ignore', 'eth0.100')).toBe('net/ipv4/conf/eth0.100/arp_ignore');
    expect(sysctlPathFor('net/ipv4/ip_forward', 'eth0')).toBe('net/ipv4/ip_forward');
    expect(printedName('net/ipv4/conf/eth0.100/arp_ignore')).toBe('net.ipv4.conf.eth0/100.arp_ignore');
  });
  it('other interfaces and namespace-wide net keys are allowed, as upstream', () => {
    expect(sysctlKeyProblem('net.ipv4.conf.all.forwarding')).toBeUndefined();
    expect(sysctlKeyProblem('net.ipv6.conf.eth1.disable_ipv6')).toBeUndefined();
    expect(sysctlKeyProblem('net.core.somaxconn')).toBeUndefined();
  });
  it('values: tab and spaces allowed, other control characters not', () => {
    expect(sysctlValueProblem('4096 87380\t6291456')).toBeUndefined();
    expect(sysctlValueProblem('1\r')).toMatch(/control/);
  });
  it('parses sysctl(8) output: first line per name is the read', () => {
    const out = 'net.ipv4.conf.eth0/100.arp_ignore = 0\nnet.core.somaxconn = 4096\nnet.ipv4.conf.eth0/100.arp_ignore = 1\nnet.core.somaxconn = 512\n';
    const m = parseSysctlOutput(out, ['net/ipv4/conf/eth0.100/arp_ignore', 'net/core/somaxconn', 'net/missing']);
    expect([...m]).toEqual([
      ['net/ipv4/conf/eth0.100/arp_ignore', '0'],
      ['net/core/somaxconn', '4096'],
    ]);
  });
});

describe('allowlist', () => {
  it('lines are regexes matched anywhere; blank lines ignored', () => {
    const pats = parseAllowlist('^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$\n\n  ^net\\.core\\.somaxconn$ \n');
    expect(pats).toHaveLength(2);
    expect(() => assertAllowed(['net.core.somaxconn', 'net.ipv4.conf.IFNAME.arp_ignore'], pats)).not.toThrow();
    expect(err(() => assertAllowed(['net.ipv4.ip_forward'], pats)).message).toBe(
      `Sysctl net.ipv4.ip_forward is not allowed. Only the following sysctls are allowed: [${pats.join(' ')}]`,
    );
  });
  it('Go flag groups become RegExp flags; bad patterns are config errors', () => {
    expect(goRegExp('(?i)^NET\\.').test('net.x')).toBe(true);
    expect(err(() => goRegExp('(')).code).toBe(7);
  });
});

describe('state file', () => {
  it('is Go\'s MarshalIndent(configToRestore, "", " ")', () => {
    expect(stateFile('/run/cni/tuning', 'c1', 'eth0')).toBe('/run/cni/tuning/c1_eth0.json');
    expect(formatSaved({ txQLen: 1000, allmulti: false, mtu: 1500, promisc: false, mac: '02:00:00:00:00:01' })).toBe(
      '{\n "mac": "02:00:00:00:00:01",\n "promisc": false,\n "mtu": 1500,\n "allmulti": false,\n "txQLen": 1000\n}',
    );
    expect(formatSaved({})).toBe('{}');
    expect(formatSaved({ mac: '', mtu: 0 })).toBe('{}');
  });
  it('reads what Go writes (case-insensitive keys, unknown keys ignored); garbage is undefined', () => {
    expect(parseSaved('{"MTU": 1500, "promisc": true, "future": 1}')).toEqual({ mtu: 1500, promisc: true });
    expect(parseSaved('{"mtu": "x"}')).toBeUndefined();
    expect(parseSaved('{"mac": "02:')).toBeUndefined();
  });
});

describe('plan', () => {
  const cur = { mac: '5a:00:00:00:00:01', mtu: 1500, promisc: false, allmulti: true, txQLen: 1000 };
  it('saves only what the config changes; promisc only switched on', () => {
    const c = parse({ mac: '02:AA:00:00:00:01', mtu: 1400, txQLen: 10 });
    expect(originalsOf(c, cur)).toEqual({ mac: '5a:00:00:00:00:01', mtu: 1500, txQLen: 1000 });
    expect(wantedOf(c)).toEqual({ mac: '02:aa:00:00:00:01', mtu: 1400, txQLen: 10 });
    expect(wantedOf(parse({ promisc: false }))).toEqual({});
  });
  it('link lines follow the reference order', () => {
    const s = { mac: '02:00:00:00:00:01', promisc: true, mtu: 1400, allmulti: false, txQLen: 5 };
    expect(linkLines('eth0', s, ADD_ORDER)).toEqual([
      'link set dev eth0 address 02:00:00:00:00:01',
      'link set dev eth0 promisc on',
      'link set dev eth0 mtu 1400',
      'link set dev eth0 allmulticast off',
      'link set dev eth0 txqueuelen 5',
    ]);
    expect(linkLines('eth0', s, RESTORE_ORDER)[0]).toBe('link set dev eth0 mtu 1400');
    expect(() => linkLines('eth0 x', s, ADD_ORDER)).toThrow(/ip batch/);
  });
  it('result: the configured MAC string on interfaces named CNI_IFNAME', () => {
    const prev = { interfaces: [{ name: 'veth1' }, { name: 'eth0', sandbox: '/x' }] };
    expect(resultWithMac(prev, 'eth0', '02:AA:00:00:00:01').interfaces).toEqual([{ name: 'veth1' }, { name: 'eth0', sandbox: '/x', mac: '02:AA:00:00:00:01' }]);
    expect(resultWithMac(prev, 'eth0', undefined)).toBe(prev);
  });
  it('CHECK messages as cmdCheck; MAC compared as an address', () => {
    const l = { ...cur, mac: '02:aa:00:00:00:01' };
    expect(checkProblem(parse({ mac: '02:AA:00:00:00:01' }), 'eth0', [], l)).toBeUndefined();
    expect(checkProblem(parse({}), 'eth0', [['net/core/somaxconn', '512', '4096']], l)).toBe(
      'Error: Tuning configured value of /proc/sys/net/core/somaxconn is 512, current value is 4096',
    );
    expect(checkProblem(parse({ promisc: true }), 'eth0', [], l)).toBe('Error: Tuning link eth0 configured promisc is true, current value is 0');
    expect(checkProblem(parse({}), 'eth0', [], { ...l, promisc: true })).toMatch(/configured promisc is false, current value is 1/);
    expect(checkProblem(parse({ mtu: 1400 }), 'eth0', [], l)).toBe('Error: Tuning configured MTU of eth0 is 1400, current value is 1500');
    expect(checkProblem(parse({ allmulti: false }), 'eth0', [], l)).toMatch(/all-multicast mode of eth0 is false, current value is true/);
    expect(checkProblem(parse({ txQLen: 1 }), 'eth0', [], l)).toMatch(/Transmit Queue Length of eth0 is 1, current value is 1000/);
  });
});
