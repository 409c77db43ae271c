// The delegate configuration against upstream's source behaviour (flannel-io/cni-plugin
// `flannel_linux.go` doCmdAdd/getDelegateIPAM, `flannel.go` loadFlannelSubnetEnv): there is no
// reference binary to run, so the expected bytes below are what Go's json.Marshal of upstream's
// map gives for the same input.
import { describe, expect, it } from 'vitest';
import { thrownText as msg } from '../../shared/cni/thrown.ts';
import { delegateInput, loadConfig } from './config.ts';
import { buildDelegate, delegateBytes } from './plan.ts';
import { parseSubnetEnv } from './subnet-env.ts';
import { staleIds } from './gc.ts';
import { savedHeader } from './saved.ts';

const ENV = 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n';
const FILE = '/run/flannel/subnet.env';
const bytes = (raw: Record<string, unknown>, env = ENV) => {
  const c = loadConfig(raw, typeof raw.cniVersion === 'string' ? raw.cniVersion : '');
  return delegateBytes(buildDelegate(c, delegateInput(c.conf), parseSubnetEnv(env, FILE)));
};
const STD = { cniVersion: '0.3.1', name: 'cbr0', type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } };

describe('flannel delegate configuration (upstream doCmdAdd)', () => {
  it('the kube-flannel conflist: upstream README/notes example, byte for byte', () => {
    expect(bytes(STD)).toBe(
      '{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}',
    );
  });
  it('dual stack, de-duplicated network lists, FLANNEL_IPMASQ other than exactly "true"', () => {
    const env =
      'FLANNEL_NETWORK=10.244.0.0/16,10.245.0.0/16,10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:244::/56\nFLANNEL_IPV6_SUBNET=fd00:244:0:1::1/64\nFLANNEL_MTU=1400\nFLANNEL_IPMASQ=TRUE\n';
    const d = JSON.parse(bytes(STD, env));
    expect(d.ipMasq).toBe(true);
    expect(d.mtu).toBe(1400);
    expect(d.ipam).toEqual({
      ranges: [[{ subnet: '10.244.1.0/24' }], [{ subnet: 'fd00:244:0:1::/64' }]],
      routes: [{ dst: '10.244.0.0/16' }, { dst: '10.245.0.0/16' }, { dst: 'fd00:244::/56' }],
      type: 'host-local',
    });
  });
  it('IPv6 only', () => {
    const d = JSON.parse(bytes(STD, 'FLANNEL_IPV6_NETWORK=fd00:244::/56\nFLANNEL_IPV6_SUBNET=fd00:244:0:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n'));
    expect(d.ipam.ranges).toEqual([[{ subnet: 'fd00:244:0:1::/64' }]]);
    expect(d.ipam.routes).toEqual([{ dst: 'fd00:244::/56' }]);
  });
  it('delegate keys win over the defaults; isGateway only for bridge; cniVersion only when set', () => {
    expect(JSON.parse(bytes({ ...STD, delegate: { ipMasq: true, mtu: 9000, isGateway: false, bridge: 'cni1' } }))).toMatchObject({
      ipMasq: true,
      mtu: 9000,
      isGateway: false,
      bridge: 'cni1',
    });
    const ipvlan = JSON.parse(bytes({ name: 'cbr0', type: 'flannel', delegate: { type: 'ipvlan', master: 'eth0' } }));
    expect(ipvlan.isGateway).toBeUndefined();
    expect(ipvlan.cniVersion).toBeUndefined();
    expect(ipvlan.type).toBe('ipvlan');
  });
  it('ipam: its keys kept (type host-local only by default), ranges replaced, configured routes first', () => {
    const d = bytes({
      ...STD,
      ipam: {
        type: 'host-local',
        dataDir: '/tmp/x',
        ranges: [[{ subnet: '1.2.3.0/24' }]],
        routes: [{ dst: '192.0.2.0/24', gw: '10.244.1.254', mtu: 0, table: 0 }],
      },
    });
    expect(d).toContain(
      '"ipam":{"dataDir":"/tmp/x","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"192.0.2.0/24","gw":"10.244.1.254","table":0},{"dst":"10.244.0.0/16"}],"type":"host-local"}',
    );
    expect(JSON.parse(bytes({ ...STD, ipam: { type: 'static' } })).ipam.type).toBe('static');
  });
  it('runtimeConfig is copied whole; nested keys sorted as Go sorts map keys; <, > and & escaped', () => {
    const d = bytes({ ...STD, runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] }, delegate: { z: { b: 1, a: '<&>' } } });
    expect(d).toContain('"runtimeConfig":{"portMappings":[{"containerPort":8080,"hostPort":80,"protocol":"tcp"}]}');
    expect(d).toContain('"z":{"a":"\\u003c\\u0026\\u003e","b":1}');
  });
  it('top-level keys match case-insensitively; delegate keys are exact (a Go map)', () => {
    const d = JSON.parse(bytes({ cniVersion: '1.0.0', name: 'cbr0', type: 'flannel', Delegate: { Type: 'x' }, SubnetFile: '/a/b' }));
    expect(d.type).toBe('bridge');
    expect(d.Type).toBe('x');
    expect(loadConfig({ name: 'n', SUBNETFILE: '/a/b', DataDir: '/c' }, '').subnetFile).toBe('/a/b');
  });
  it('refused as upstream refuses them, naming the key', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...STD, delegate: { name: 'x' } }, "7: 'delegate' dictionary must not have 'name' field, it'll be set by flannel"],
      [{ ...STD, delegate: { ipam: {} } }, "7: 'delegate' dictionary must not have 'ipam' field, it'll be set by flannel"],
      [{ ...STD, delegate: { type: 42 } }, "7: 'delegate' dictionary, if present, must have (string) 'type' field"],
      [{ ...STD, delegate: { type: '../bin/sh' } }, '7: delegate.type: plugin type "../bin/sh" must not contain a path separator'],
      [{ ...STD, ipam: { type: 'a/b' } }, '7: ipam.type: plugin type "a/b" must not contain a path separator'],
      [{ ...STD, ipam: { routes: [{ dst: 'x' }] } }, '7: failed to parse ipam.routes: ipam.routes[0].dst: invalid CIDR address: x'],
      [{ ...STD, delegate: 'x' }, '7: failed to load flannel netconf: delegate: Invalid input: expected record, received string'],
    ];
    for (const [raw, want] of cases) expect(msg(() => bytes(raw))).toBe(want);
    expect(msg(() => loadConfig({ ...STD, dataDir: '/var/lib/../../etc' }, '0.3.1'))).toBe('7: dataDir: "/var/lib/../../etc" must not contain ".." components');
    expect(msg(() => loadConfig({ ...STD, subnetFile: 'run/subnet.env' }, '0.3.1'))).toBe('7: subnetFile: "run/subnet.env" is not an absolute path');
  });
});

describe('subnet.env (upstream loadFlannelSubnetEnv)', () => {
  it('unknown keys, blank lines, comments and CRLF are fine; the last of a key wins', () => {
    const e = parseSubnetEnv(`# flanneld\r\nFOO=bar\r\n\r\nFLANNEL_MTU=1\r\n${ENV.replaceAll('\n', '\r\n')}`, FILE);
    expect(e.mtu).toBe(1450);
    expect(e.ipMasq).toBe(true);
  });
  it('missing keys: upstream wording', () => {
    expect(msg(() => parseSubnetEnv('FLANNEL_MTU=1450\n', FILE))).toBe(
      "6: failed to load flannel 'subnet.env' file: /run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_IPMASQ. Check the flannel pod log for this node.",
    );
  });
  it('bad lines and values name the line (upstream panics on a known key without "=")', () => {
    const bad: Array<[string, RegExp]> = [
      ['FLANNEL_MTU\n', /line 1: no "=" in "FLANNEL_MTU"/],
      [`${ENV}garbage\n`, /line 5: no "=" in "garbage"/],
      ['FLANNEL_NETWORK=10.244.0.0/16,x\n', /line 1: FLANNEL_NETWORK: "x" is not a CIDR/],
      ['FLANNEL_NETWORK=\n', /line 1: FLANNEL_NETWORK: "" is not a CIDR/],
      ['FLANNEL_SUBNET=10.244.1.1/33\n', /line 1: FLANNEL_SUBNET: "10.244.1.1\/33" is not a CIDR/],
      ['FLANNEL_SUBNET=fd00::1/64\n', /line 1: FLANNEL_SUBNET: "fd00::1\/64" is not an IPv4 CIDR/],
      ['FLANNEL_IPV6_SUBNET=10.1.1.1/24\n', /FLANNEL_IPV6_SUBNET: "10.1.1.1\/24" is not an IPv6 CIDR/],
      ['FLANNEL_MTU=-1\n', /line 1: FLANNEL_MTU: "-1" is not a whole number/],
      ['FLANNEL_MTU=4294967296\n', /FLANNEL_MTU: "4294967296"/],
      ['FLANNEL_MTU=1450 \n', /FLANNEL_MTU: "1450 "/],
      ['FLANNEL_SUBNET=10.244.1.1/24;reboot\n', /FLANNEL_SUBNET: "10.244.1.1\/24;reboot" is not a CIDR/],
    ];
    for (const [text, want] of bad) expect(msg(() => parseSubnetEnv(text, FILE))).toMatch(want);
  });
});

describe('saved configurations', () => {
  it("GC removes only this network's files of containers with no valid attachment", () => {
    const saved = [
      { id: 'a', name: 'cbr0' },
      { id: 'b', name: 'cbr0' },
      { id: 'c', name: 'other' },
      { id: 'd', name: undefined },
    ];
    expect(staleIds(saved, 'cbr0', new Set(['a']))).toEqual(['b']);
  });
  it('a saved file is usable when it is JSON with a type', () => {
    expect(savedHeader(bytes(STD))).toEqual({ type: 'bridge', name: 'cbr0' });
    expect(savedHeader('{"name":"x"}')).toBeUndefined();
    expect(savedHeader('{')).toBeUndefined();
  });
});
