import { describe, expect, it } from 'vitest';
import { containerIps, parsePortmapConf, type PortmapConf } from './config.ts';
import {
  checkProblem,
  dnChain,
  dnRules,
  entryOwner,
  entryRules,
  markValue,
  planAdd,
  planDel,
  planGc,
  saveCidr,
  snChain,
  topRules,
  udpPortsOf,
} from './iptables-plan.ts';
import { gcRules, planRules, planSetup, ruleComment, checkProblem as nftCheck, type NftRule } from './nft-plan.ts';
import { parseSave } from '../../shared/host/iptables.ts';

const LONG_ID = 'icee6giejonei6sohng6ahngee7laquohquee9shiGo7fohferakah3Feiyoolu2pei7ciPhoh7shaoX6vai3vuf0ahfaeng8yohb9ceu0daez5hashee8ooYai5wa3y';
const v4 = { family: 4 as const, ip: '10.0.0.2', cidr: '10.0.0.2/24' };
const v6 = { family: 6 as const, ip: '2001:db8:1::2', cidr: '2001:db8:1::2/64' };

const conf = (extra: Record<string, unknown> = {}): PortmapConf =>
  parsePortmapConf(
    {
      cniVersion: '1.0.0',
      name: 'test',
      type: 'portmap',
      runtimeConfig: {
        portMappings: [
          { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { hostPort: 8081, containerPort: 80, protocol: 'tcp' },
          { hostPort: 8080, containerPort: 81, protocol: 'udp' },
          { hostPort: 8082, containerPort: 82, protocol: 'udp' },
          { hostPort: 8083, containerPort: 83, protocol: 'tcp', hostIP: '192.168.0.2' },
          { hostPort: 8084, containerPort: 84, protocol: 'tcp', hostIP: '0.0.0.0' },
          { hostPort: 8085, containerPort: 85, protocol: 'tcp', hostIP: '2001:db8:a::1' },
          { hostPort: 8086, containerPort: 86, protocol: 'tcp', hostIP: '::' },
        ],
      },
      ...extra,
    },
    '1.0.0',
  );

describe('chain names (upstream vectors)', () => {
  it('hashes network + container', () => {
    expect(dnChain('testNetName', LONG_ID)).toBe('CNI-DN-bfd599665540dd91d5d28');
    expect(snChain('testNetName', LONG_ID)).toBe('CNI-SN-bfd599665540dd91d5d28');
    expect(dnChain('test', LONG_ID)).toBe('CNI-DN-67e92b96e692a494b6b85');
  });
});

describe('config', () => {
  it('decodes keys case-insensitively (containerd spelling)', () => {
    const c = parsePortmapConf(
      { name: 'n', runtimeConfig: { portMappings: [{ HostPort: 1, ContainerPort: 2, Protocol: 'TCP', HostIP: '127.0.0.1' }] }, SNAT: false },
      '1.0.0',
    );
    expect(c.mappings).toEqual([{ hostPort: 1, containerPort: 2, protocol: 'TCP', hostIP: '127.0.0.1' }]);
    expect(c.snat).toBe(false);
    expect(c.markMasqBit).toBe(13);
  });
  it.each([
    [{ runtimeConfig: { portMappings: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }] } }, 'Invalid host port number: 0'],
    [{ runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: -1, protocol: 'tcp' }] } }, 'Invalid container port number: -1'],
    [{ markMasqBit: 32 }, 'MasqMarkBit must be between 0 and 31'],
    [{ markMasqBit: 5, externalSetMarkChain: 'X' }, 'Cannot specify externalSetMarkChain and markMasqBit'],
    [{ backend: 'pf' }, 'unrecognized backend "pf"'],
    [
      { backend: 'iptables', conditionsV4: ['ip', 'saddr', '1.2.3.4'] },
      'iptables backend was requested but configuration contains nftables-specific options [conditionsV4]',
    ],
    [
      { backend: 'nftables', externalSetMarkChain: 'X' },
      'nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain]',
    ],
    [{ conditionsV4: ['-s', '1.2.3.4\n-A X'] }, 'conditionsV4[1]'],
    [{ conditionsV4: ['ip', 'saddr', '1.1.1.1;', 'flush', 'ruleset'] }, 'conditionsV4[2]'],
    [{ externalSetMarkChain: 'A B' }, 'externalSetMarkChain'],
    [{ runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp', hostIP: '1.2.3.4 -j ACCEPT' }] } }, 'hostIP'],
    [{ runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp --dport 1' }] } }, 'protocol'],
    [{ snat: 'yes' }, 'snat'],
  ])('rejects %j', (extra, msg) => {
    expect(() => parsePortmapConf({ name: 'n', ...extra }, '1.0.0')).toThrow(msg);
    try {
      parsePortmapConf({ name: 'n', ...extra }, '1.0.0');
    } catch (e) {
      expect((e as { code: number }).code).toBe(7);
      expect((e as Error).message).toMatch(/^failed to parse config: /);
    }
  });
  it('selects the backend from options', () => {
    const b = (extra: Record<string, unknown>) => parsePortmapConf({ name: 'n', ...extra }, '1.0.0').backend;
    expect(b({})).toBeUndefined();
    expect(b({ externalSetMarkChain: 'X' })).toBe('iptables');
    expect(b({ conditionsV4: ['!', '-s', '1.2.3.4'] })).toBe('iptables');
    expect(b({ conditionsV6: ['ip6', 'saddr', '::1'] })).toBe('nftables');
    expect(b({ backend: 'nftables' })).toBe('nftables');
  });
  it('takes the first IP of each family on the sandbox interface; tolerates missing index', () => {
    const prev = {
      interfaces: [{ name: 'br' }, { name: 'eth0', sandbox: '/x' }, { name: 'eth1', sandbox: '/x' }],
      ips: [
        { interface: 0, address: '10.9.0.1/24' },
        { interface: 2, address: '10.8.0.2/24' },
        { interface: 1, address: '10.0.0.2/24' },
        { interface: 1, address: '10.0.0.3/24' },
        { address: '2001:db8:1::2/64' },
      ],
    };
    expect(containerIps(prev, 'eth0')).toEqual([v4, v6]);
    expect(containerIps({ interfaces: [{ name: 'host' }], ips: [{ address: '10.0.0.1/24' }] }, 'eth0')).toEqual([
      { family: 4, ip: '10.0.0.1', cidr: '10.0.0.1/24' },
    ]);
  });
});

describe('iptables plan', () => {
  const ch = dnChain('test', 'cid');
  it('IPv4 DNAT chain: wrong-family and unspecified hostIPs, SETMARK and localhost rules', () => {
    expect(dnRules(conf(), 'cid', v4)).toEqual([
      `-A ${ch} -s 10.0.0.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80`,
      `-A ${ch} -s 10.0.0.0/24 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.0.0.2:80`,
      `-A ${ch} -s 10.0.0.0/24 -p udp -m udp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -p udp -m udp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p udp -m udp --dport 8080 -j DNAT --to-destination 10.0.0.2:81`,
      `-A ${ch} -s 10.0.0.0/24 -p udp -m udp --dport 8082 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -p udp -m udp --dport 8082 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p udp -m udp --dport 8082 -j DNAT --to-destination 10.0.0.2:82`,
      `-A ${ch} -s 10.0.0.0/24 -d 192.168.0.2/32 -p tcp -m tcp --dport 8083 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -d 192.168.0.2/32 -p tcp -m tcp --dport 8083 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -d 192.168.0.2/32 -p tcp -m tcp --dport 8083 -j DNAT --to-destination 10.0.0.2:83`,
      `-A ${ch} -s 10.0.0.0/24 -p tcp -m tcp --dport 8084 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -s 127.0.0.1/32 -p tcp -m tcp --dport 8084 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p tcp -m tcp --dport 8084 -j DNAT --to-destination 10.0.0.2:84`,
    ]);
  });
  it('IPv6 DNAT chain: no localhost rule, bracketed destination', () => {
    expect(dnRules(conf(), 'cid', v6).filter((r) => r.includes('8085') || r.includes('8086') || r.includes('8083'))).toEqual([
      `-A ${ch} -s 2001:db8:1::/64 -d 2001:db8:a::1/128 -p tcp -m tcp --dport 8085 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -d 2001:db8:a::1/128 -p tcp -m tcp --dport 8085 -j DNAT --to-destination [2001:db8:1::2]:85`,
      `-A ${ch} -s 2001:db8:1::/64 -p tcp -m tcp --dport 8086 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p tcp -m tcp --dport 8086 -j DNAT --to-destination [2001:db8:1::2]:86`,
    ]);
  });
  it('snat off: only DNAT rules and no shared SETMARK/MASQ setup', () => {
    const c = conf({ snat: false });
    expect(dnRules(c, 'cid', v4).every((r) => r.includes('-j DNAT'))).toBe(true);
    const lines = planAdd(c, 'cid', v4, parseSave(''));
    expect(lines.some((l) => /SETMARK|MASQ/.test(l))).toBe(false);
  });
  it('masqAll: any source, no localhost rule', () => {
    expect(dnRules(conf({ masqAll: true }), 'cid', v4).slice(0, 2)).toEqual([
      `-A ${ch} -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK`,
      `-A ${ch} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80`,
    ]);
  });
  it('externalSetMarkChain: jumps there, creates no SETMARK/MASQ', () => {
    const c = conf({ externalSetMarkChain: 'KUBE-MARK-MASQ' });
    expect(dnRules(c, 'cid', v4)[0]).toBe(`-A ${ch} -s 10.0.0.0/24 -p tcp -m tcp --dport 8080 -j KUBE-MARK-MASQ`);
    expect(planAdd(c, 'cid', v4, parseSave('')).some((l) => /HOSTPORT-(SETMARK|MASQ)/.test(l))).toBe(false);
  });
  it('mark bit 5 → 0x20/0x20', () => {
    expect(markValue(5)).toBe('0x20/0x20');
    expect(topRules(5).setmark).toBe('-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x20/0x20');
    expect(topRules(13).masq).toBe('-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE');
  });
  it('entry rules: protocols sorted, all ports, conditions', () => {
    expect(entryRules(conf({ conditionsV4: ['!', '-s', '192.0.2.0/24'] }), 'cid', 4)).toEqual([
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"test\\" id: \\"cid\\"" -m multiport --dports 8080,8081,8083,8084,8085,8086 ! -s 192.0.2.0/24 -j ${ch}`,
      `-A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"test\\" id: \\"cid\\"" -m multiport --dports 8080,8082 ! -s 192.0.2.0/24 -j ${ch}`,
    ]);
  });
  it('multiport chunks of 15', () => {
    const ms = Array.from({ length: 17 }, (_, i) => ({ hostPort: 20000 + i, containerPort: 80, protocol: 'tcp' }));
    const c = parsePortmapConf({ name: 'test', runtimeConfig: { portMappings: ms } }, '1.0.0');
    const e = entryRules(c, 'cid', 4);
    expect(e).toHaveLength(2);
    expect(e[0]).toContain('--dports 20000,20001,20002,20003,20004,20005,20006,20007,20008,20009,20010,20011,20012,20013,20014 ');
    expect(e[1]).toContain('--dports 20015,20016 ');
  });
  it('first ADD creates shared chains with their rules; later ADDs only add the container', () => {
    const first = planAdd(conf(), 'cid', v4, parseSave(''));
    expect(first.slice(0, 9)).toEqual([
      '-N CNI-HOSTPORT-SETMARK',
      topRules(13).setmark,
      '-N CNI-HOSTPORT-MASQ',
      topRules(13).masq,
      '-I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-N CNI-HOSTPORT-DNAT',
      topRules(13).prerouting,
      topRules(13).output,
      `-N ${ch}`,
    ]);
    const state = parseSave(
      [':CNI-HOSTPORT-SETMARK - [0:0]', ':CNI-HOSTPORT-MASQ - [0:0]', ':CNI-HOSTPORT-DNAT - [0:0]', ...Object.values(topRules(13))].join('\n'),
    );
    const again = planAdd(conf(), 'other', v4, state);
    expect(again[0]).toBe(`-N ${dnChain('test', 'other')}`);
  });
  it('DEL removes the chain and everything jumping to it; GC by comment', () => {
    const other = dnChain('test', 'keep');
    const foreign = dnChain('othernet', 'x');
    const saved = [
      `:${ch} - [0:0]`,
      `:${other} - [0:0]`,
      `:${foreign} - [0:0]`,
      ':CNI-HOSTPORT-DNAT - [0:0]',
      `-A ${ch} -p udp -m udp --dport 8082 -j DNAT --to-destination 10.0.0.2:82`,
      `-A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"test\\" id: \\"cid\\"" -m multiport --dports 8082 -j ${ch}`,
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"test\\" id: \\"keep\\"" -m multiport --dports 1 -j ${other}`,
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"othernet\\" id: \\"x\\"" -m multiport --dports 2 -j ${foreign}`,
    ].join('\n');
    const dump = parseSave(saved);
    expect(planDel('test', 'cid', dump)).toEqual([
      `-D CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"test\\" id: \\"cid\\"" -m multiport --dports 8082 -j ${ch}`,
      `-F ${ch}`,
      `-X ${ch}`,
    ]);
    expect(planDel('test', 'gone', dump)).toEqual([]);
    expect(udpPortsOf(ch, dump)).toEqual([8082]);
    expect(entryOwner(dump.rules[1]!)).toEqual({ net: 'test', cid: 'cid' });
    expect(planGc('test', ['keep'], dump)).toEqual(planDel('test', 'cid', dump));
    expect(planGc('test', ['keep', 'cid'], dump)).toEqual([]);
  });
  it('CHECK names the missing chain or rule', () => {
    const c = conf();
    expect(checkProblem(c, 'cid', v4, parseSave(''))).toBe(`chain ${ch} not found in iptables table nat`);
    const all = parseSave([`:${ch} - [0:0]`, ...dnRules(c, 'cid', v4), ...entryRules(c, 'cid', 4)].join('\n'));
    expect(checkProblem(c, 'cid', v4, all)).toBeUndefined();
    all.rules.splice(2, 1);
    expect(checkProblem(c, 'cid', v4, all)).toMatch(/^rule \[-p tcp -m tcp --dport 8080 -j DNAT/);
  });
  it('saveCidr prints network addresses', () => {
    expect(saveCidr('10.1.2.3/20')).toBe('10.1.0.0/20');
    expect(saveCidr('fd00:94::5/64')).toBe('fd00:94::/64');
    expect(saveCidr('::1')).toBe('::1/128');
  });
});

describe('nftables plan', () => {
  it('setup and container rules (layout of upstream plugins/meta/portmap/portmap_nftables.go) with <net>/<cid> comments', () => {
    expect(planSetup(conf(), 4)).toEqual([
      'add table ip cni_hostport { comment "CNI portmap plugin" ; }',
      'add chain ip cni_hostport hostports',
      'add chain ip cni_hostport hostip_hostports',
      'add chain ip cni_hostport hostports_all',
      'flush chain ip cni_hostport hostports_all',
      'add rule ip cni_hostport hostports_all jump hostip_hostports',
      'add rule ip cni_hostport hostports_all jump hostports',
      'add chain ip cni_hostport prerouting { type nat hook prerouting priority -100 ; }',
      'flush chain ip cni_hostport prerouting',
      'add rule ip cni_hostport prerouting fib daddr type local jump hostports_all',
      'add chain ip cni_hostport output { type nat hook output priority -100 ; }',
      'flush chain ip cni_hostport output',
      'add rule ip cni_hostport output fib daddr type local jump hostports_all',
      'add chain ip cni_hostport masquerading { type nat hook postrouting priority 100 ; }',
    ]);
    const r = planRules(conf(), 'cid', v4);
    expect(r).toContain('add rule ip cni_hostport hostports tcp dport 8080 dnat to 10.0.0.2:80 comment "test/cid"');
    expect(r).toContain('add rule ip cni_hostport hostports ip daddr 192.168.0.2 tcp dport 8083 dnat to 10.0.0.2:83 comment "test/cid"');
    expect(r).toContain('add rule ip cni_hostport hostports tcp dport 8084 dnat to 10.0.0.2:84 comment "test/cid"');
    expect(r.some((l) => l.includes('8085') || l.includes('8086'))).toBe(false);
    expect(r.slice(-2)).toEqual([
      'add rule ip cni_hostport masquerading ip saddr 10.0.0.2 ip daddr 10.0.0.2 masquerade comment "test/cid"',
      'add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.0.0.2 masquerade comment "test/cid"',
    ]);
    const r6 = planRules(conf({ masqAll: true }), 'cid', v6);
    expect(r6).toContain('add rule ip6 cni_hostport hostports ip6 daddr 2001:db8:a::1 tcp dport 8085 dnat to [2001:db8:1::2]:85 comment "test/cid"');
    expect(r6.at(-1)).toBe('add rule ip6 cni_hostport masquerading ip6 saddr ::/0 ip6 daddr 2001:db8:1::2 masquerade comment "test/cid"');
    expect(planSetup(conf({ snat: false, conditionsV4: ['ip', 'saddr', '192.0.2.0/24'] }), 4)).toContain(
      'add rule ip cni_hostport prerouting ip saddr 192.0.2.0/24 fib daddr type local jump hostports_all',
    );
  });
  it('comments stay within 128 characters and GC keeps only valid attachments of its network', () => {
    expect(ruleComment('net', LONG_ID).length).toBeLessThanOrEqual(128);
    expect(ruleComment('net', LONG_ID).startsWith('net/#')).toBe(true);
    const rule = (comment: string, handle: number): NftRule => ({ family: 'ip', table: 'cni_hostport', chain: 'hostports', handle, comment });
    const rules = [rule('net/a', 1), rule('net/b', 2), rule('net2/a', 3), rule('a', 4)];
    expect(gcRules(rules, 'net', ['a']).map((r) => r.handle)).toEqual([2]);
  });
  it('CHECK counts rules per chain', () => {
    const c = conf();
    const mk = (chain: string, n: number): NftRule[] =>
      Array.from({ length: n }, (_, i) => ({ family: 'ip', table: 'cni_hostport', chain, handle: i, comment: 'test/cid' }));
    expect(nftCheck(c, 'cid', v4, [...mk('hostports', 6), ...mk('masquerading', 2)])).toBeUndefined();
    expect(nftCheck(c, 'cid', v4, [...mk('hostports', 5), ...mk('masquerading', 2)])).toBe('missing hostport rules in "hostports" chain');
  });
});
