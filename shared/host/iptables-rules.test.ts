import { describe, expect, it } from 'vitest';
import { jumpsInto, removeChains, ruleChain, ruleTarget, tokenize } from './iptables-rules.ts';
import { parseSave } from './iptables.ts';

describe('saved rule text', () => {
  it('tokenizes with iptables-save quoting and escapes', () => {
    expect(tokenize('-A X -s 10.0.0.2/32 -j ACCEPT')).toEqual(['-A', 'X', '-s', '10.0.0.2/32', '-j', 'ACCEPT']);
    expect(tokenize('-A X -m comment --comment "name: \\"n\\" id: \\"c\\"" -j Y')).toEqual([
      '-A',
      'X',
      '-m',
      'comment',
      '--comment',
      'name: "n" id: "c"',
      '-j',
      'Y',
    ]);
    expect(tokenize('-A X -m comment --comment "" -j Y')).toEqual(['-A', 'X', '-m', 'comment', '--comment', '', '-j', 'Y']);
  });
  it('finds chain and jump or goto target, not text inside quotes', () => {
    const r = '-A CNI-HOSTPORT-DNAT -m comment --comment "x -j FAKE -g FAKE" -j CNI-DN-1';
    expect(ruleChain(r)).toBe('CNI-HOSTPORT-DNAT');
    expect(ruleTarget(r)).toBe('CNI-DN-1');
    expect(ruleTarget('-A POSTROUTING -g masq')).toBe('masq');
    expect(ruleTarget('-A POSTROUTING -s 1.2.3.4/32')).toBeUndefined();
  });
});

describe('removing chains', () => {
  const dump = parseSave(
    [
      '*nat',
      ':POSTROUTING ACCEPT [0:0]',
      ':A - [0:0]',
      ':B - [0:0]',
      ':KEEP - [0:0]',
      '-A POSTROUTING -s 10.0.0.2/32 -m comment --comment "to A" -j A',
      '-A POSTROUTING -s 10.0.0.3/32 -g B',
      '-A POSTROUTING -m comment --comment "-j A" -j KEEP',
      '-A A -j B',
      '-A A -j MASQUERADE',
      '-A KEEP -j A',
      'COMMIT',
    ].join('\n'),
  );
  it('deletes the jumps from other chains, then flushes all, then deletes all', () => {
    expect(removeChains(dump, ['A', 'B'])).toEqual([
      '-D POSTROUTING -s 10.0.0.2/32 -m comment --comment "to A" -j A',
      '-D POSTROUTING -s 10.0.0.3/32 -g B',
      '-D KEEP -j A',
      '-F A',
      '-F B',
      '-X A',
      '-X B',
    ]);
  });
  it('leaves out chains that are not there', () => {
    expect(removeChains(dump, ['GONE'])).toEqual([]);
    expect(removeChains(dump, ['GONE', 'B'])).toEqual(['-D POSTROUTING -s 10.0.0.3/32 -g B', '-D A -j B', '-F B', '-X B']);
  });
  it('jumpsInto skips rules of the chains themselves', () => {
    expect(jumpsInto(dump, new Set(['A']))).toEqual(['-A POSTROUTING -s 10.0.0.2/32 -m comment --comment "to A" -j A', '-A KEEP -j A']);
  });
});
