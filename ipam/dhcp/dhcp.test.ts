import { describe, expect, it } from 'vitest';
import { clientId, clientOptions, loadConf, optionCode } from './config.ts';
import { classlessRoutes, decode, encode, maskBits, MsgType, Opt, staticRoutes } from './packet.ts';
import { message, resendDelays } from './exchange.ts';
import { fromAck, leaseResult } from './lease.ts';
import { parseDuration, parseFlags } from './daemon.ts';

const base = {
  clientId: 'c/n/eth0',
  containerId: 'c',
  network: 'n',
  netns: '/run/netns/x',
  ifname: 'eth0',
  opts: { provide: [], request: [1, 3] },
  priority: 0,
};

describe('packets', () => {
  it('round-trips a DISCOVER with the client identifier, parameter list and provided options', () => {
    const opts = clientOptions(
      loadConf({ name: 'n', ipam: { type: 'dhcp', provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }] } }).ipam,
      'K8S_POD_NAME=web',
    );
    const m = message(MsgType.DISCOVER, { clientId: 'c/n/eth0', opts }, '02:aa:bb:cc:dd:ee', 0x01020304);
    const b = encode(m);
    expect(b.length).toBe(300);
    const back = decode(b)!;
    expect(back.xid).toBe(0x01020304);
    expect(back.broadcast).toBe(true);
    expect(back.chaddr).toBe('02:aa:bb:cc:dd:ee');
    expect(back.options.get(Opt.MessageType)).toEqual(Buffer.from([1]));
    expect(back.options.get(Opt.ClientId)).toEqual(Buffer.from('\0c/n/eth0'));
    expect([...back.options.get(Opt.ParamRequest)!]).toEqual([3, 1]);
    expect(back.options.get(Opt.HostName)?.toString()).toBe('web');
  });
  it('refuses what is not DHCP', () => expect(decode(Buffer.alloc(100))).toBeUndefined());
  it('masks and routes', () => {
    expect(maskBits('255.255.255.0')).toBe(24);
    expect(maskBits('255.0.255.0')).toBeUndefined();
    expect(classlessRoutes(Buffer.from([24, 192, 168, 5, 10, 0, 0, 1, 0, 10, 0, 0, 1, 32, 10, 9, 9, 9, 0, 0, 0, 0]))).toEqual([
      { dst: '192.168.5.0/24', gw: '10.0.0.1' },
      { dst: '0.0.0.0/0', gw: '10.0.0.1' },
      { dst: '10.9.9.9/32', gw: '0.0.0.0' },
    ]);
    expect(staticRoutes(Buffer.from([172, 16, 0, 0, 10, 0, 0, 1]))).toEqual([{ dst: '172.16.0.0/16', gw: '10.0.0.1' }]);
  });
});

describe('leases', () => {
  const ack = (opts: Array<[number, number[]]>) => {
    const m = message(MsgType.ACK, { clientId: 'x', opts: { provide: [], request: [] } }, '02:00:00:00:00:01', 1);
    m.yiaddr = '10.0.0.7';
    for (const [c, v] of opts) m.options.set(c, Buffer.from(v));
    return decode(encode(m))!;
  };
  it('router → gateway and default route; option 33 routes before it; T1/T2 defaults', () => {
    const l = fromAck(
      ack([
        [1, [255, 255, 255, 0]],
        [3, [10, 0, 0, 1]],
        [33, [172, 16, 0, 0, 10, 0, 0, 2]],
        [51, [0, 0, 14, 16]],
        [54, [10, 0, 0, 1]],
      ]),
      base,
      1000,
    );
    expect(l).toMatchObject({ ip: '10.0.0.7', prefix: 24, router: '10.0.0.1', server: '10.0.0.1', leaseTime: 3600, t1: 1800, t2: 3060 });
    expect(leaseResult({ ...l, priority: 7 })).toEqual({
      ips: [{ address: '10.0.0.7/24', gateway: '10.0.0.1' }],
      routes: [
        { dst: '172.16.0.0/16', gw: '10.0.0.2', priority: 7 },
        { dst: '0.0.0.0/0', gw: '10.0.0.1', priority: 7 },
      ],
    });
  });
  it('classless routes win over the router (RFC 3442); an unspecified router is scope link', () => {
    const l = fromAck(
      ack([
        [3, [10, 0, 0, 1]],
        [121, [16, 192, 168, 10, 0, 0, 1, 24, 10, 1, 1, 0, 0, 0, 0]],
      ]),
      base,
      0,
    );
    expect(l.routes).toEqual([
      { dst: '192.168.0.0/16', gw: '10.0.0.1' },
      { dst: '10.1.1.0/24', scope: 253 },
    ]);
  });
});

describe('config and options', () => {
  it('client identifier is containerID/network/ifname, at most 254 bytes', () => {
    expect(clientId('c', 'n', 'eth0')).toBe('c/n/eth0');
    expect(clientId('x'.repeat(300), 'n', 'eth0')).toHaveLength(254);
  });
  it('option names and numbers', () => {
    expect(optionCode('routers', 'f')).toBe(3);
    expect(optionCode('121', 'f')).toBe(121);
    expect(() => optionCode('256', 'ipam.request[0].option')).toThrow(/ipam.request\[0\].option/);
  });
  it('request list: defaults unless skipDefault; provide from value and from CNI_ARGS', () => {
    const ipam = loadConf({ name: 'n', ipam: { type: 'dhcp', request: [{ option: '121' }], provide: [{ option: '12', value: 'a', fromArg: 'K' }] } }).ipam;
    expect(clientOptions(ipam, 'K=b;X=y')).toEqual({
      provide: [
        [12, 'a'],
        [12, 'b'],
      ],
      request: [121, 3, 1],
    });
    const skip = loadConf({ name: 'n', IPAM: { Type: 'dhcp', Request: [{ SkipDefault: true }] } }).ipam;
    expect(clientOptions(skip, '').request).toEqual([]);
  });
  it('socket path: default, and refused when relative', () => {
    expect(loadConf({ name: 'n', ipam: { type: 'dhcp' } }).socketPath).toBe('/run/cni/dhcp.sock');
    expect(() => loadConf({ name: 'n', ipam: { type: 'dhcp', daemonSocketPath: 'x.sock' } })).toThrow(/ipam.daemonSocketPath/);
  });
});

describe('daemon flags', () => {
  it('Go durations', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('ten')).toBeUndefined();
  });
  it('the reference flags in Go flag syntax', () => {
    expect(parseFlags(['-socketpath', '/x.sock', '--timeout=5s', '-broadcast', '-hostprefix', '/host'])).toMatchObject({
      socketPath: '/x.sock',
      timeoutMs: 5000,
      broadcast: true,
      hostPrefix: '/host',
    });
    expect(() => parseFlags(['-bogus', '1'])).toThrow(/not defined/);
    expect(() => parseFlags(['-pidfile', 'rel'])).toThrow(/not absolute/);
  });
  it('resend delays: four fast, then doubling, bounded', () => {
    expect(resendDelays(16_000, 40_000)).toEqual([2000, 2000, 2000, 2000, 4000, 8000, 16000, 4000]);
  });
});
