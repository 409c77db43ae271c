import { describe, expect, it } from 'vitest';
import { iptChain, iptComment, iptSetupLines, iptStaleChains, masqAddr, nftComment, nftSetupScript } from './ipmasq.ts';
import { removeChains } from './iptables-rules.ts';
import { parseSave } from './iptables.ts';

describe('names (reference test vectors)', () => {
  it('iptables chain', () => {
    expect(iptChain('test', '1234')).toBe('CNI-2bbe0c48b91a7d1b8a6753a8');
    expect(iptChain('rs-net', 'cnitool-0e868ebb1c0827604a43')).toBe('CNI-c2e4309f7ca3a7a5d156b917');
  });
  it('nft comment', () => {
    expect(nftComment('rs-net', 'eth0', 'cnitool-0e868ebb1c0827604a43')).toBe(
      '1dd0296038dddbc7-7f83c4d3ae786d1e, net: rs-net, if: eth0, id: cnitool-0e868ebb1c0827604a43',
    );
    expect(nftComment('n', 'eth0', 'x'.repeat(200))).toHaveLength(128);
  });
});

describe('iptables', () => {
  const C = '"name: \\"n\\" id: \\"c\\""';
  it('setup lines per IP, unique like AppendUnique', () => {
    const ch = iptChain('n', 'c');
    expect(iptSetupLines('n', 'c', [masqAddr('10.0.0.2/24'), masqAddr('10.1.0.2/16')])).toEqual([
      `-N ${ch}`,
      `-A ${ch} -d 10.0.0.0/24 -m comment --comment ${C} -j ACCEPT`,
      `-A ${ch} ! -d 224.0.0.0/4 -m comment --comment ${C} -j MASQUERADE`,
      `-A ${ch} -d 10.1.0.0/16 -m comment --comment ${C} -j ACCEPT`,
      `-A POSTROUTING -s 10.0.0.2/32 -m comment --comment ${C} -j ${ch}`,
      `-A POSTROUTING -s 10.1.0.2/32 -m comment --comment ${C} -j ${ch}`,
    ]);
    expect(iptSetupLines('n', 'c', [masqAddr('fd00::2/64')])[2]).toContain('! -d ff00::/8');
    expect(iptComment('n', 'c')).toBe('name: "n" id: "c"');
  });
  it('refuses ids that could break out of the comment', () => {
    expect(() => iptSetupLines('n', 'c" -j ACCEPT', [masqAddr('10.0.0.2/24')])).toThrow();
  });
  const ch = iptChain('n', 'c');
  const other = iptChain('n', 'd');
  const save = `*nat
:POSTROUTING ACCEPT [0:0]
:${ch} - [0:0]
:${other} - [0:0]
-A POSTROUTING -s 10.0.0.2/32 -m comment --comment "name: \\"n\\" id: \\"c\\"" -j ${ch}
-A POSTROUTING -s 10.0.0.3/32 -m comment --comment "name: \\"n\\" id: \\"d\\"" -j ${other}
-A ${ch} -d 10.0.0.0/24 -m comment --comment "name: \\"n\\" id: \\"c\\"" -j ACCEPT
COMMIT
`;
  it('teardown from iptables-save, no addresses needed', () => {
    expect(removeChains(parseSave(save), [ch])).toEqual([
      `-D POSTROUTING -s 10.0.0.2/32 -m comment --comment "name: \\"n\\" id: \\"c\\"" -j ${ch}`,
      `-F ${ch}`,
      `-X ${ch}`,
    ]);
    expect(removeChains(parseSave(save), [iptChain('n', 'zz')])).toEqual([]);
  });
  it('GC finds chains of attachments no longer valid', () => {
    expect([...iptStaleChains(parseSave(save), 'n', new Set(['d']))]).toEqual([ch]);
    expect([...iptStaleChains(parseSave(save), 'other-net', new Set())]).toEqual([]);
  });
});

describe('nftables', () => {
  it('script replaces this instance rules and adds one per IP', () => {
    const s = nftSetupScript(
      'n',
      'eth0',
      'c',
      [masqAddr('10.0.0.2/24'), masqAddr('fd00::2/64')],
      [
        { handle: 7, comment: nftComment('n', 'eth0', 'c') },
        { handle: 8, comment: nftComment('n', 'eth1', 'c') },
      ],
    );
    expect(s).toContain('delete rule inet cni_plugins_masquerade masq_checks handle 7\n');
    expect(s).not.toContain('handle 8');
    expect(s).toContain(
      `add rule inet cni_plugins_masquerade masq_checks ip saddr 10.0.0.2 ip daddr != 10.0.0.0/24 masquerade comment "${nftComment('n', 'eth0', 'c')}"`,
    );
    expect(s).toContain('ip6 saddr fd00::2 ip6 daddr != fd00::/64 masquerade');
  });
});
