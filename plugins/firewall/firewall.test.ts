import { describe, expect, it } from 'vitest';
import { parseSave } from '../../shared/host/iptables.ts';
import { bridgeOf, hostAddrs, parseFirewallConf } from './config.ts';
import { addrRules, adminJump, checkProblem, forwardJump, isolationRules, planAdd, planDel } from './plan.ts';

const prev = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/var/run/netns/x' }],
  ips: [
    { interface: 2, address: '10.0.0.2/24', gateway: '10.0.0.1' },
    { interface: 2, address: 'fd00::2/64' },
    { interface: 0, address: '10.0.0.2/16' },
  ],
};
const conf = (extra: Record<string, unknown> = {}) =>
  parseFirewallConf({ cniVersion: '1.0.0', name: 'n', type: 'firewall', prevResult: prev, ...extra }, '1.0.0');

describe('config', () => {
  it('defaults as the reference', () => {
    const c = conf();
    expect(c).toMatchObject({ adminChain: 'CNI-ADMIN', zone: 'trusted', ingressPolicy: 'open' });
    expect(c.backend).toBeUndefined();
    expect(conf({ backend: '', iptablesAdminChainName: '', firewalldZone: '' })).toMatchObject({ adminChain: 'CNI-ADMIN', zone: 'trusted' });
    expect(conf({ Backend: 'firewalld', IngressPolicy: 'same-bridge' })).toMatchObject({ backend: 'firewalld', ingressPolicy: 'same-bridge' });
  });
  it.each([
    [{ backend: 'nftables' }, 'backend: unknown backend "nftables"'],
    [{ ingressPolicy: 'isolated' }, 'ingressPolicy: unknown ingress policy "isolated"'],
    [{ iptablesAdminChainName: 'A B' }, 'iptablesAdminChainName: invalid chain name'],
    [{ iptablesAdminChainName: 'x'.repeat(29) }, 'iptablesAdminChainName: invalid chain name'],
    [{ iptablesAdminChainName: 'CNI-FORWARD' }, 'built-in or plugin chain'],
    [{ iptablesAdminChainName: 'ACCEPT' }, 'built-in or plugin chain'],
    [{ firewalldZone: 'a;b' }, 'firewalldZone: invalid zone name'],
    [{ ingressPolicy: 42 }, 'ingressPolicy'],
  ])('rejects %j with code 7 naming the field', (extra, msg) => {
    expect(() => conf(extra)).toThrow(msg);
    try {
      conf(extra);
    } catch (e) {
      expect((e as { code: number }).code).toBe(7);
    }
  });
  it('takes every address of prevResult as a host route, once', () => {
    expect(hostAddrs(conf().prevResult)).toEqual([
      { family: 4, cidr: '10.0.0.2/32' },
      { family: 6, cidr: 'fd00::2/128' },
    ]);
    expect(hostAddrs(undefined)).toEqual([]);
    expect(hostAddrs({ ips: [{ address: '::ffff:10.1.2.3/120' }] })).toEqual([{ family: 4, cidr: '10.1.2.3/32' }]);
  });
  it('the bridge is the first interface; names that could be syntax are refused', () => {
    expect(bridgeOf(conf({ ingressPolicy: 'same-bridge' }))).toBe('cni0');
    const noIf = parseFirewallConf({ name: 'n', ingressPolicy: 'same-bridge', prevResult: { cniVersion: '1.0.0', ips: [] } }, '1.0.0');
    expect(() => bridgeOf(noIf)).toThrow('interface needs to be set for ingress policy "same-bridge", make sure to chain "firewall" plugin with "bridge"');
    for (const name of ['a b', 'br+', 'a"b', 'x'.repeat(16)]) {
      const c = parseFirewallConf({ name: 'n', prevResult: { cniVersion: '1.0.0', interfaces: [{ name }] } }, '1.0.0');
      expect(() => bridgeOf(c)).toThrow(/interfaces\[0\]\.name/);
    }
  });
});

describe('iptables plan', () => {
  const v4 = [{ family: 4 as const, cidr: '10.0.0.2/32' }];
  it('first ADD creates the chains and jumps, then the address rules, then the isolation', () => {
    const p = planAdd(v4, { admin: 'CNI-ADMIN', bridge: 'cni0' }, parseSave(''));
    const iso = isolationRules('cni0');
    expect(p.lines).toEqual([
      '-N CNI-FORWARD',
      '-N CNI-ADMIN',
      '-I FORWARD 1 -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
      '-I CNI-FORWARD 1 -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
      '-A CNI-FORWARD -d 10.0.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A CNI-FORWARD -s 10.0.0.2/32 -j ACCEPT',
      '-N CNI-ISOLATION-STAGE-1',
      '-N CNI-ISOLATION-STAGE-2',
      iso.jump.replace('-A FORWARD', '-I FORWARD 1'),
      '-I CNI-ISOLATION-STAGE-1 1 -i cni0 ! -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-2',
      '-A CNI-ISOLATION-STAGE-1 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j RETURN',
      '-I CNI-ISOLATION-STAGE-2 1 -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j DROP',
      '-A CNI-ISOLATION-STAGE-2 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j RETURN',
    ]);
    expect(p.added).toEqual(addrRules(v4[0]!));
  });
  it('later ADDs add only what is missing; firewalld ADDs only the isolation', () => {
    const iso = isolationRules('cni0');
    const saved = parseSave(
      [
        ':CNI-FORWARD - [0:0]',
        ':CNI-ADMIN - [0:0]',
        ':CNI-ISOLATION-STAGE-1 - [0:0]',
        ':CNI-ISOLATION-STAGE-2 - [0:0]',
        forwardJump,
        adminJump('CNI-ADMIN'),
        addrRules(v4[0]!)[1],
        ...Object.values(iso),
      ].join('\n'),
    );
    expect(planAdd(v4, { admin: 'CNI-ADMIN', bridge: 'cni0' }, saved).lines).toEqual([addrRules(v4[0]!)[0]]);
    expect(planAdd(v4, { bridge: 'cni1' }, saved).lines).toEqual([
      isolationRules('cni1').stage1.replace(/^-A (\S+)/, '-I $1 1'),
      isolationRules('cni1').stage2.replace(/^-A (\S+)/, '-I $1 1'),
    ]);
    expect(planAdd([], { admin: 'CNI-ADMIN', bridge: 'cni0' }, parseSave(''))).toEqual({ lines: [], added: [] });
  });
  it('DEL deletes present rules of addresses nobody else has', () => {
    const v4b = { family: 4 as const, cidr: '10.0.0.3/32' };
    const saved = parseSave([...addrRules(v4[0]!), addrRules(v4b)[1]].join('\n'));
    expect(planDel([v4[0]!, v4b], new Set(), saved)).toEqual([...addrRules(v4[0]!), addrRules(v4b)[1]].map((r) => `-D${r.slice(2)}`));
    expect(planDel([v4[0]!, v4b], new Set(['10.0.0.2/32']), saved)).toEqual([`-D${addrRules(v4b)[1].slice(2)}`]);
  });
  it('CHECK names the first missing rule in the reference wording', () => {
    const what = { admin: 'CNI-ADMIN', bridge: 'cni0' };
    expect(checkProblem(v4, what, parseSave(''))).toBe('expected FORWARD rule [-m comment --comment CNI firewall plugin rules -j CNI-FORWARD] not found');
    expect(checkProblem(v4, what, parseSave(forwardJump))).toBe(
      'expected CNI-FORWARD rule [-m comment --comment CNI firewall plugin admin overrides -j CNI-ADMIN] not found',
    );
    const base = [forwardJump, adminJump('CNI-ADMIN')];
    expect(checkProblem(v4, what, parseSave([...base, addrRules(v4[0]!)[1]].join('\n')))).toBe(
      'expected rule [-d 10.0.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT] not found',
    );
    expect(checkProblem(v4, what, parseSave([...base, ...addrRules(v4[0]!)].join('\n')))).toMatch(
      /^expected FORWARD rule \[.*-j CNI-ISOLATION-STAGE-1\] not found$/,
    );
    expect(checkProblem(v4, what, parseSave([...base, ...addrRules(v4[0]!), ...Object.values(isolationRules('cni0'))].join('\n')))).toBeUndefined();
    expect(checkProblem(v4, { admin: 'CNI-ADMIN' }, parseSave([...base, ...addrRules(v4[0]!)].join('\n')))).toBeUndefined();
  });
});
