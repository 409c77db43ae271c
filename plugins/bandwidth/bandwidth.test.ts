import { describe, expect, it } from 'vitest';
import { parsePsched, tbfBurstTicks } from '../../shared/host/tc.ts';
import { CniError } from '../../shared/cni/errors.ts';
import { isZero, parseBandwidthConf } from './config.ts';
import { hostVethOf } from './host.ts';
import { ifbLines, ifbName, redirectsTo, tbfParams, tbfProblem, tcSteps, undoLines, type Tbf } from './plan.ts';
import { staleIfbs } from './gc.ts';

const TICK = parsePsched('000003e8 00000040 000f4240 3b9aca00\n');
const conf = (extra: Record<string, unknown>) => ({ cniVersion: '1.0.0', name: 'net', type: 'bandwidth', ...extra });
const msg = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    return `${(e as CniError).code} ${(e as Error).message}`;
  }
  throw new Error('did not throw');
};

describe('psched', () => {
  it('reads ticks per microsecond as tc does', () => {
    expect(TICK).toBe(15.625);
    // a nanosecond clock advertised the old way: the 1000 multiplier means 1
    expect(parsePsched('000003e8 00000001 3b9aca00 3b9aca00')).toBe(1000);
    expect(() => parsePsched('garbage')).toThrow(/psched/);
  });
});

describe('tbfParams (ifb_creator.go createTBF)', () => {
  it('gives the reference numbers (tc -j -r: rate 125000, burst_raw 1312d0, limit 13125)', () => {
    expect(tbfParams(1_000_000, 80_000, TICK)).toEqual({ rate: 125000, burst: 10000, buffer: 0x1312d0, limit: 13125, tcBurst: 10000 });
    expect(tbfParams(800_000, 16_000, TICK)).toMatchObject({ rate: 100000, burst: 2000, buffer: 0x4c4b4, limit: 4500 });
  });
  it('refuses a burst whose buffer overflows 32 bits (the reference wraps it)', () => {
    // just under the 4 GiB burst check: 4294967294 bytes at 1 GB/s last 4.3 s = 67108859 ticks, which fit;
    expect(tbfParams(8e9, 8 * 4294967294, TICK)).toMatchObject({ buffer: 67108859, limit: 2 ** 32 - 1 });
    // at 100 Mbit/s it is 343 s, more than 2^32 ticks
    expect(tbfParams(1e8, 8 * 4294967294, TICK)).toMatch(/32-bit buffer/);
  });
  it('holds a limit past 32 bits at 4 GiB instead of wrapping it', () => {
    expect(tbfParams(8 * 2 ** 40, 8 * 2 ** 31, TICK)).toMatchObject({ limit: 2 ** 32 - 1 });
  });
  it('refuses a burst shorter than a microsecond (the kernel refuses a zero buffer)', () => {
    expect(tbfParams(8e15, 80, TICK)).toMatch(/zero buffer/);
  });
  it('refuses a rate under a byte per second', () => {
    expect(tbfParams(7, 8, TICK)).toMatch(/less than one byte/);
  });
  it('chooses a tc burst from which the kernel computes exactly the reference buffer', () => {
    // seen with tc 6.1: 10000000 bytes at 1.25 GB/s gives 124999 ticks, 10000001 gives 125000
    expect(tbfBurstTicks(1_250_000_000, 10_000_000)).toBe(124999);
    expect(tbfBurstTicks(1_250_000_000, 10_000_001)).toBe(125000);
    expect(tbfParams(10_000_000_000, 80_000_000, TICK)).toMatchObject({ buffer: 125000, tcBurst: 10_000_001 });
    let seed = 7;
    const rnd = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const t = tbfParams(8 * (1 + Math.floor(rnd() * 1e9)), 8 * (1 + Math.floor(rnd() * 1e7)), TICK);
      if (typeof t === 'string') continue;
      const got = tbfBurstTicks(t.rate, t.tcBurst);
      // exact wherever a byte lasts under a tick (64 ns); else within one byte's time
      if (t.rate >= 15_625_000) expect(got).toBe(t.buffer);
      else expect(Math.abs(got - t.buffer)).toBeLessThanOrEqual(Math.ceil(15_625_000 / t.rate));
    }
  });
});

describe('config', () => {
  it('top level wins over runtimeConfig once any of its keys is present, even 0 or null', () => {
    const rc = { runtimeConfig: { bandWidth: { ingressRate: 8000, ingressBurst: 8000 } } };
    expect(parseBandwidthConf(conf(rc), TICK).ingress.rate).toBe(8000);
    expect(isZero(parseBandwidthConf(conf({ ...rc, egressRate: 0 }), TICK))).toBe(true);
    expect(isZero(parseBandwidthConf(conf({ ...rc, EgressBurst: null }), TICK))).toBe(true);
    expect(parseBandwidthConf(conf({ ...rc, INGRESSRATE: 16000, ingressburst: 800 }), TICK).ingress).toMatchObject({ rate: 16000, burst: 800 });
  });
  it('validates as validateRateAndBurst, naming the field', () => {
    expect(msg(() => parseBandwidthConf(conf({ ingressRate: 1000 }), TICK))).toBe('7 ingressRate: if rate is set, burst must also be set');
    expect(msg(() => parseBandwidthConf(conf({ egressBurst: 1000 }), TICK))).toBe('7 egressBurst: if burst is set, rate must also be set');
    expect(msg(() => parseBandwidthConf(conf({ egressRate: 1000, egressBurst: 8 * (2 ** 32 - 1) }), TICK))).toBe(
      '7 egressBurst: burst cannot be more than 4GB',
    );
    expect(msg(() => parseBandwidthConf(conf({ runtimeConfig: { bandwidth: { ingressBurst: 5 } } }), TICK))).toMatch(
      /^7 runtimeConfig.bandwidth.ingressBurst: /,
    );
    expect(msg(() => parseBandwidthConf(conf({ ingressRate: -1, ingressBurst: 1 }), TICK))).toMatch(/^7 .*ingressRate: must be at least 0/);
    expect(msg(() => parseBandwidthConf(conf({ ingressRate: 2 ** 64, ingressBurst: 1 }), TICK))).toMatch(/ingressRate: must be at most/);
    expect(msg(() => parseBandwidthConf(conf({ egressRate: 'fast', egressBurst: 1 }), TICK))).toMatch(/egressRate: /);
    expect(msg(() => parseBandwidthConf(conf({ egressRate: 8e15, egressBurst: 80 }), TICK))).toMatch(/^7 egressRate\/egressBurst: .*zero buffer/);
  });
});

describe('plans', () => {
  it('names the IFB as getIfbDeviceName (seen from the Go plugin: bwtest + abc)', () => {
    expect(ifbName('bwtest', 'abc')).toBe('bwp699d80d5a37a');
  });
  it('creates the IFB up, with the veth MTU, no queue, and our alias set after creation', () => {
    expect(ifbLines('bwpx', 1400, 'cni-ts/bandwidth/n').map((p) => p.line)).toEqual([
      'link add name bwpx mtu 1400 txqlen 0 up type ifb',
      'link set dev bwpx alias cni-ts/bandwidth/n',
      'link show dev bwpx',
    ]);
  });
  const t = tbfParams(1_000_000, 80_000, TICK) as Tbf;
  it('orders the tc script as the reference and undoes only what ran', () => {
    const steps = tcSteps('veth0', t, t, 'bwpx');
    expect(steps.map((s) => s.line)).toEqual([
      'qdisc add dev veth0 root handle 1: tbf rate 125000bps burst 10000 limit 13125',
      'qdisc add dev veth0 handle ffff: ingress',
      'filter add dev veth0 parent ffff: protocol all prio 1 u32 match u32 0 0 flowid 1:1 action mirred egress redirect dev bwpx',
      'qdisc add dev bwpx root handle 1: tbf rate 125000bps burst 10000 limit 13125',
    ]);
    expect(undoLines(steps, 3)).toEqual(['qdisc del dev veth0 handle ffff: ingress', 'qdisc del dev veth0 root handle 1:']);
    expect(undoLines(steps, 0)).toEqual([]);
    expect(undoLines(tcSteps('veth0', undefined, t, 'bwpx'), 0)).toEqual([]);
  });
  it('CHECK compares rate, limit and buffer', () => {
    const q = (o: Record<string, unknown>) => [{ kind: 'tbf', root: true, options: { rate: 125000, burst_raw: '1312d0', limit: 13125, ...o } }];
    expect(tbfProblem(q({}), t, 'v')).toBeUndefined();
    expect(tbfProblem(q({ rate: 1 }), t, 'v')).toMatch(/^Rate doesn't match/);
    expect(tbfProblem(q({ limit: 1 }), t, 'v')).toMatch(/^Limit doesn't match/);
    expect(tbfProblem(q({ burst_raw: '1' }), t, 'v')).toMatch(/^Buffer doesn't match/);
    expect(tbfProblem([{ kind: 'noqueue', root: true }], t, 'v')).toMatch(/^Failed to find qdisc/);
    expect(redirectsTo([{ options: { actions: [{ kind: 'mirred', to_dev: 'bwpx' }] } }], 'bwpx')).toBe(true);
    expect(redirectsTo([{ options: {} }], 'bwpx')).toBe(false);
  });
  it('finds the host veth by the peer index, refusing what the reference refuses', () => {
    const c = { ifindex: 2, ifname: 'eth0', flags: [], link_index: 7, linkinfo: { info_kind: 'veth' } };
    const h = [{ ifindex: 7, ifname: 'veth7', flags: [], mtu: 1450 }];
    expect(hostVethOf('eth0', c, h, [{ name: 'veth7' }])).toEqual({ name: 'veth7', mtu: 1450 });
    expect(() => hostVethOf('eth0', c, h, [{ name: 'veth7', sandbox: '/x' }])).toThrow('no veth peer of container interface found in host ns');
    expect(() => hostVethOf('eth0', { ...c, link_index: 8 }, h, [{ name: 'veth7' }])).toThrow('veth peer with index 8 is not in host ns');
    expect(() => hostVethOf('eth0', { ...c, linkinfo: { info_kind: 'macvlan' } }, h, [{ name: 'veth7' }])).toThrow(/has no veth peer: it is a macvlan link/);
    expect(() => hostVethOf('eth0', undefined, h, [])).toThrow(/has no veth peer: Link not found/);
  });
  it('GC removes only this network’s IFBs without a valid attachment', () => {
    const mine = ifbName('net', 'gone');
    const kept = ifbName('net', 'live');
    const links = [
      { ifname: mine, ifalias: 'cni-ts/bandwidth/net' },
      { ifname: kept, ifalias: 'cni-ts/bandwidth/net' },
      { ifname: ifbName('other', 'gone'), ifalias: 'cni-ts/bandwidth/other' },
      { ifname: ifbName('net', 'ref') },
    ];
    expect(staleIfbs(links, 'net', [{ containerID: 'live' }])).toEqual([mine]);
  });
});
