// Generated corpus of malformed and hostile CNI inputs, one list per plugin and verb.
//
// Every case must make the plugin print a CNI error (code + msg) and exit non-zero, and change
// nothing on the host. Cases are built by mutating one field of a valid base configuration (or
// one CNI_* variable) with values from shared pools, so adding a hostile value to a pool tests it
// everywhere it can reach a command line, a batch script, a ruleset or a path.

export type PluginName =
  | 'bridge'
  | 'host-local'
  | 'portmap'
  | 'loopback'
  | 'firewall'
  | 'tuning'
  | 'dnsname'
  | 'static'
  | 'flannel'
  | 'bandwidth'
  | 'sbr'
  | 'vrf'
  | 'vlan'
  | 'dummy'
  | 'host-device'
  | 'tap'
  | 'ptp'
  | 'macvlan'
  | 'ipvlan';
export type Verb = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'BOGUS';

export interface Context {
  /** Valid network name (carries the run prefix). */
  net: string;
  /** Valid bridge name (carries the run prefix; never created by a valid case). */
  bridge: string;
  /** Private host-local dataDir. */
  dataDir: string;
  /** Container netns path (exists). */
  netns: string;
  /** Container ID (valid). */
  cid: string;
  /** 10.N.M. prefix of a /24 nobody else uses. */
  v4: string;
}

export interface Case {
  id: string;
  plugin: PluginName;
  verb: Verb;
  /** CNI_* overrides; undefined removes the variable. */
  env: { CNI_CONTAINERID?: string; CNI_NETNS?: string; CNI_IFNAME?: string; CNI_ARGS?: string; CNI_PATH?: string; CNI_COMMAND?: string };
  /** Keys explicitly removed from the environment. */
  unset?: string[];
  stdin: string;
  /** The error message must match (a person must be able to tell what to fix). */
  msg: RegExp;
}

// ---------------------------------------------------------------- value pools

const LONG = 'x'.repeat(4096);
const HUGE = 'y'.repeat(1 << 20);

/** Strings that must never reach a command, batch line, ruleset or path unvalidated. */
export const HOSTILE_STRINGS: string[] = [
  'a b',
  'a\tb',
  'a\nb',
  'a\rb',
  'a/b',
  '../..',
  '..',
  '.',
  'a"b',
  "a'b",
  'a\\b',
  'a;b',
  'a|b',
  'a&b',
  '$(id)',
  '`id`',
  'a#b',
  'a{b}',
  'a*',
  'a?',
  'a\u0000b',
  '-F',
  '--help',
  ' a',
  'a ',
  'a\u007fb',
  'x'.repeat(16),
  LONG,
  'é'.repeat(8),
  'a,b',
  'a=b',
  '\u202e',
  'a:b',
];
/** The same, minus NUL (execve cannot carry it in an environment variable). */
const HOSTILE_ENV = HOSTILE_STRINGS.filter((s) => !s.includes('\u0000') && s !== LONG);

const BAD_CIDRS = [
  '',
  'x',
  '10.0.0.0/33',
  '300.1.1.1/24',
  '10.0.0.1',
  '10.0.0.0/24\n',
  '10.0.0.0/-1',
  'fd00::/129',
  '10.0.0.0 /24',
  '10.0.0.0/24;x',
  '::ffff:10.0.0.0/200',
  '1.2.3.4/32/1',
];
const BAD_IPS = ['x', '10.0.0.256', '10.0.0.1/24', '10.0.0.1\n', '10.0.0.1;x', 'fe80::1%eth0', '1.2.3', '$(id)', ''];
const BAD_INTS = [-1, 1e10, 2 ** 53, 1.5, '80', true, null, [], {}, 'NaN', 1e308];
const BAD_TYPES: unknown[] = [42, true, [], {}, 'str'];

// ---------------------------------------------------------------- base configs

function ipam(c: Context, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'host-local', dataDir: c.dataDir, ranges: [[{ subnet: `${c.v4}0/24` }]], ...extra };
}

export function baseConf(p: PluginName, c: Context): Record<string, unknown> {
  switch (p) {
    case 'loopback':
      return { cniVersion: '1.1.0', name: c.net, type: 'loopback' };
    case 'host-local':
      return { cniVersion: '1.1.0', name: c.net, type: 'bridge', ipam: ipam(c) };
    case 'bridge':
      return { cniVersion: '1.1.0', name: c.net, type: 'bridge', bridge: c.bridge, isGateway: true, ipMasq: true, ipam: ipam(c) };
    case 'ptp':
      return { cniVersion: '1.1.0', name: c.net, type: 'ptp', ipMasq: true, mtu: 1400, ipam: ipam(c) };
    case 'portmap':
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'portmap',
        capabilities: { portMappings: true },
        runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] },
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: 'eth0', sandbox: c.netns }],
          ips: [{ address: `${c.v4}2/24`, gateway: `${c.v4}1`, interface: 0 }],
        },
      };
    case 'firewall':
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'firewall',
        backend: 'iptables',
        ingressPolicy: 'same-bridge',
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: c.bridge }, { name: 'eth0', sandbox: c.netns }],
          ips: [{ address: `${c.v4}2/24`, gateway: `${c.v4}1`, interface: 1 }],
        },
      };
    case 'tuning':
      // A valid ADD would fail only for want of eth0 in the namespace: every case must fail earlier.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'tuning',
        dataDir: `${c.dataDir}/tuning`,
        mac: '02:00:00:00:00:01',
        mtu: 1400,
        promisc: true,
        sysctl: { 'net.core.somaxconn': '512' },
        prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: c.netns }], ips: [{ address: `${c.v4}2/24`, interface: 0 }] },
      };
    case 'bandwidth':
      // A valid ADD would fail only for want of eth0 (and its veth peer): every case must fail earlier.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'bandwidth',
        ingressRate: 1_000_000,
        ingressBurst: 80_000,
        egressRate: 1_000_000,
        egressBurst: 80_000,
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: c.bridge }, { name: 'eth0', sandbox: c.netns }],
          ips: [{ address: `${c.v4}2/24`, interface: 1 }],
        },
      };
    case 'sbr':
      // A valid ADD would fail only for want of eth0 in the namespace: every case must fail earlier.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'sbr',
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: 'eth0', sandbox: c.netns }],
          ips: [{ address: `${c.v4}2/24`, gateway: `${c.v4}1`, interface: 0 }],
        },
      };
    case 'vrf':
      // A valid ADD would fail only for want of eth0 in the namespace, before any VRF is made.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'vrf',
        vrfname: `${c.bridge.slice(0, 11)}vrf`,
        prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: c.netns }], ips: [{ address: `${c.v4}2/24`, interface: 0 }] },
      };
    case 'dnsname':
      // A valid ADD would fail only for want of the bridge, read before anything is written.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'dnsname',
        domainName: 'dns.podman',
        capabilities: { aliases: true },
        runtimeConfig: { aliases: { [c.net]: ['web'] } },
        prevResult: {
          cniVersion: '1.1.0',
          interfaces: [{ name: c.bridge }, { name: 'eth0', sandbox: c.netns }],
          ips: [{ address: `${c.v4}2/24`, gateway: `${c.v4}1`, interface: 1 }],
        },
      };
    case 'static':
      // Valid for ADD and CHECK; IPv6 only, so that a bare IPv4 address has no prefix to borrow.
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'macvlan',
        ipam: { type: 'static', addresses: [{ address: 'fd00:166::5/64', gateway: 'fd00:166::1' }], routes: [{ dst: '::/0' }] },
        prevResult: { cniVersion: '1.1.0', ips: [{ address: 'fd00:166::5/64', gateway: 'fd00:166::1' }] },
      };
    case 'flannel':
      // The subnet file does not exist: an ADD that got past every check would stop there (code 11).
      return {
        cniVersion: '1.1.0',
        name: c.net,
        type: 'flannel',
        subnetFile: `${c.dataDir}/flannel/subnet.env`,
        dataDir: `${c.dataDir}/flannel`,
        delegate: { bridge: c.bridge, hairpinMode: true, isDefaultGateway: true },
      };
    case 'vlan':
      // The master (the never-created bridge name) is missing on the host: a valid ADD fails there, before IPAM.
      return { cniVersion: '1.1.0', name: c.net, type: 'vlan', master: c.bridge, vlanId: 100, ipam: ipam(c) };
    case 'dummy':
      // Valid: every case must fail in validation or in IPAM (which runs alongside the link).
      return { cniVersion: '1.1.0', name: c.net, type: 'dummy', ipam: ipam(c) };
    case 'host-device':
      // The device (the never-created bridge name) does not exist: a valid ADD fails at its lookup,
      // before IPAM, so no case can move a link of the host.
      return { cniVersion: '1.1.0', name: c.net, type: 'host-device', device: c.bridge, ipam: ipam(c) };
    case 'tap':
      // The bridge does not exist in the namespace: a valid ADD's creation batch fails and is undone.
      return { cniVersion: '1.1.0', name: c.net, type: 'tap', bridge: c.bridge, multiQueue: true, owner: 0, group: 0, mtu: 1400, mac: '02:00:00:00:00:01' };
    case 'macvlan':
    case 'ipvlan':
      // The master is the never-created bridge name: a valid ADD fails at the link, never touching a real interface.
      return { cniVersion: '1.1.0', name: c.net, type: p, master: c.bridge, ipam: ipam(c) };
  }
}

/** Set a dotted path ("ipam.ranges", "runtimeConfig.portMappings.0.hostPort"); undefined deletes. */
function withPath(o: Record<string, unknown>, path: string, v: unknown): Record<string, unknown> {
  const copy = structuredClone(o);
  const keys = path.split('.');
  let cur: any = copy;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  const last = keys[keys.length - 1]!;
  if (v === undefined) delete cur[last];
  else cur[last] = v;
  return copy;
}

// ---------------------------------------------------------------- generation

const VERBS: Record<PluginName, Verb[]> = {
  loopback: ['ADD', 'DEL', 'CHECK'],
  'host-local': ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  bridge: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  portmap: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  firewall: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  tuning: ['ADD', 'DEL', 'CHECK'],
  bandwidth: ['ADD', 'DEL', 'CHECK', 'GC'],
  sbr: ['ADD', 'DEL', 'CHECK'],
  vrf: ['ADD', 'DEL', 'CHECK'],
  dnsname: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  // DEL, STATUS and GC of static succeed on any parsable config: only the generic cases reach DEL.
  static: ['ADD', 'DEL', 'CHECK'],
  flannel: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  vlan: ['ADD', 'DEL', 'CHECK', 'STATUS'],
  dummy: ['ADD', 'DEL', 'CHECK', 'STATUS'],
  'host-device': ['ADD', 'DEL', 'CHECK', 'STATUS'],
  tap: ['ADD', 'DEL', 'CHECK', 'STATUS'],
  ptp: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  macvlan: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
  ipvlan: ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'],
};

/** Verbs for which a config field is read (GC/STATUS ignore attachment-only fields). */
const ATTACH: Verb[] = ['ADD', 'DEL', 'CHECK'];

interface Mutation {
  what: string;
  verbs: Verb[];
  conf?: (base: Record<string, unknown>) => Record<string, unknown> | string;
  env?: Case['env'];
  unset?: string[];
  msg: RegExp;
}

const show = (v: unknown) => {
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 24 ? `${s.slice(0, 20)}…(${s.length})` : s;
};

function generic(p: PluginName, c: Context): Mutation[] {
  const all = VERBS[p];
  const m: Mutation[] = [];
  // Not JSON / not an object.
  for (const text of ['', '{', '[]', 'null', '42', '"s"', "{'a':1}", '{"name":"n"} x', '['.repeat(100_000), '\ufeff{}', '{"a":1,}']) {
    m.push({ what: `stdin ${show(text)}`, verbs: all, conf: () => text, msg: /unmarshal|JSON|object|config|name/i });
  }
  m.push({ what: 'stdin 1MB name', verbs: all, conf: (b) => JSON.stringify({ ...b, name: `${HUGE}/` }), msg: /name/i });
  m.push({ what: 'stdin 1MB junk + no name', verbs: all, conf: (b) => ({ ...withPath(b, 'name', undefined), junk: HUGE }), msg: /name/i });
  for (const v of ['9.9.9', 'abc', '1.0.0\n', '0.0.1', '1.1.0;x', '']) {
    // '' means 0.1.0, which STATUS/GC refuse; ADD at 0.1.0 is valid so only check the verbs that need ≥1.1.
    const verbs = v === '' ? all.filter((x) => x === 'STATUS' || x === 'GC') : all;
    m.push({ what: `cniVersion ${show(v)}`, verbs, conf: (b) => ({ ...b, cniVersion: v }), msg: /version/i });
  }
  for (const v of BAD_TYPES.filter((x) => typeof x !== 'string')) {
    m.push({ what: `cniVersion type ${show(v)}`, verbs: all, conf: (b) => ({ ...b, cniVersion: v }), msg: /cniVersion/i });
  }
  m.push({ what: 'name missing', verbs: all, conf: (b) => withPath(b, 'name', undefined), msg: /name/i });
  for (const v of [...HOSTILE_STRINGS.filter((s) => !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s)), 42, [], {}, true]) {
    m.push({ what: `name ${show(v)}`, verbs: all, conf: (b) => ({ ...b, name: v }), msg: /name/i });
  }
  // Environment.
  m.push({ what: 'CNI_COMMAND bogus', verbs: ['BOGUS'], msg: /CNI_COMMAND/ });
  m.push({ what: 'CNI_COMMAND lowercase', verbs: ['BOGUS'], env: { CNI_COMMAND: 'add' }, msg: /CNI_COMMAND/ });
  for (const k of ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS'] as const) {
    const verbs = k === 'CNI_NETNS' ? (['ADD', 'CHECK'] as Verb[]) : ATTACH.filter((v) => all.includes(v));
    m.push({ what: `${k} unset`, verbs, unset: [k], msg: new RegExp(k) });
  }
  for (const v of HOSTILE_ENV.filter((s) => !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s))) {
    m.push({ what: `CNI_CONTAINERID ${show(v)}`, verbs: ATTACH, env: { CNI_CONTAINERID: v }, msg: /container ?ID|CNI_CONTAINERID/i });
  }
  for (const v of HOSTILE_ENV.filter((s) => !/^[^\s/:"'\\#;{}$`*?\x00-\x1f\x7f]{1,15}$/.test(s) || s === '.' || s === '..')) {
    m.push({ what: `CNI_IFNAME ${show(v)}`, verbs: ATTACH, env: { CNI_IFNAME: v }, msg: /interface name|CNI_IFNAME/i });
  }
  // Only bridge, loopback, tuning, ptp, the meta plugins and the link plugins enter the namespace; host-local and portmap never look at it (as Go's).
  for (const v of p === 'bridge' ||
  p === 'loopback' ||
  p === 'tuning' ||
  p === 'bandwidth' ||
  p === 'sbr' ||
  p === 'vrf' ||
  p === 'vlan' ||
  p === 'dummy' ||
  p === 'host-device' ||
  p === 'tap' ||
  p === 'ptp' ||
  p === 'macvlan' ||
  p === 'ipvlan'
    ? ['/nonexistent/netns', 'relative/path', '/etc/hostname', '/proc/self/ns/net', `${c.netns}\nx`, `${c.netns}/..`, '/proc/1/ns/net']
    : []) {
    m.push({ what: `CNI_NETNS ${show(v)}`, verbs: ['ADD', 'CHECK'], env: { CNI_NETNS: v }, msg: /netns|namespace/i });
  }
  // Exists but is no network namespace: refused by every plugin, before anything (netns-type.test.ts has them all).
  for (const v of ['/proc/self/ns/mnt', '/proc/self/ns/uts', '/dev/null']) {
    m.push({
      what: `CNI_NETNS ${show(v)}`,
      verbs: ['ADD', 'CHECK', 'DEL'].filter((x) => all.includes(x as Verb)) as Verb[],
      env: { CNI_NETNS: v },
      msg: /not a network namespace/,
    });
  }
  for (const v of ['garbage', 'a=b=c', '=x', 'IgnoreUnknown=1;IP=x', 'IP=10.0.0.1\n;x=y', 'IP=1.2.3', 'IP=010.166.1.5', 'IP=10.99.0.5']) {
    if (
      p === 'loopback' ||
      p === 'portmap' ||
      p === 'firewall' ||
      p === 'flannel' ||
      p === 'bandwidth' ||
      p === 'sbr' ||
      p === 'vrf' ||
      p === 'host-device' ||
      p === 'ipvlan'
    )
      continue; // they ignore CNI_ARGS entirely, as Go's do
    if ((p === 'tuning' || p === 'dnsname' || p === 'tap' || p === 'macvlan') && v === 'IgnoreUnknown=1;IP=x') continue; // valid: they know MAC / K8S_POD_NAME only
    if (p === 'vlan') continue; // only its IPAM reads them, after the (missing) master
    m.push({ what: `CNI_ARGS ${show(v)}`, verbs: ['ADD'], env: { CNI_ARGS: v }, msg: /arg|IP|unknown/i });
  }
  return m;
}

function ipamMutations(prefix: string, verbs: Verb[]): Array<[string, unknown, RegExp]> {
  void verbs;
  const out: Array<[string, unknown, RegExp]> = [];
  out.push([`${prefix}ranges`, undefined, /range|subnet/i]);
  for (const v of [[], [[]], 'x', 42, [['x']], [{}], [[{}]], [[{ subnet: 42 }]]]) out.push([`${prefix}ranges`, v, /range|subnet/i]);
  for (const s of BAD_CIDRS) out.push([`${prefix}ranges`, [[{ subnet: s }]], /subnet|CIDR|range|address/i]);
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.250.0/32' }]], /subnet|range|small|address/i]);
  for (const ip of BAD_IPS.filter((x) => x !== '')) {
    out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24', rangeStart: ip }]], /rangeStart|range|address|IP/i]);
    out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24', gateway: ip }]], /gateway|address|IP/i]);
  }
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24', rangeStart: '10.166.252.5' }]], /rangeStart|range|subnet/i]);
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24', rangeStart: '10.166.251.9', rangeEnd: '10.166.251.3' }]], /range/i]);
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24' }, { subnet: '10.166.251.128/25' }]], /overlap|range/i]);
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24' }], [{ subnet: '10.166.251.0/24' }]], /overlap|range/i]);
  out.push([`${prefix}ranges`, [[{ subnet: '10.166.251.0/24' }, { subnet: 'fd00:166::/64' }]], /famil|range/i]);
  for (const d of ['relative/dir', '/tmp/../etc/cni-ts-evil', '/tmp/a\nb', 42, '/tmp/a\u0000b']) {
    out.push([`${prefix}dataDir`, d, /dataDir|directory|path|mkdir|dir/i]);
  }
  // Well-formed but unusable (GC treats "nothing there" as nothing to collect, so not for GC).
  for (const d of ['/proc/cni-ts-x', '/dev/null/x']) out.push([`${prefix}dataDir!`, d, /dataDir|directory|path|mkdir|dir/i]);
  for (const r of ['x', [{ dst: 'x' }], [{ dst: '10.0.0.0/8', gw: 'bogus' }], [{}], [42]]) out.push([`${prefix}routes`, r, /route|dst|gw|address|CIDR/i]);
  out.push(['dns', 42, /dns/i]);
  out.push(['dns', { nameservers: 'x' }, /nameservers|dns/i]);
  out.push([`${prefix}resolvConf`, '/nonexistent/resolv.conf', /resolv/i]);
  // Requested addresses: runtimeConfig.ips / args.cni.ips (ipam.ips is not a key, as in Go).
  for (const v of [['x'], ['10.99.0.1/24'], [42], 'x', ['1.2.3/24'], ['010.166.1.5/24']]) {
    out.push(['runtimeConfig.ips', v, /ips|IP|address|range|CIDR/i]);
    out.push(['args', { cni: { ips: v } }, /ips|IP|address|range|CIDR/i]);
  }
  return out;
}

function specific(p: PluginName, c: Context): Mutation[] {
  const m: Mutation[] = [];
  const attach = ATTACH;
  const add = ['ADD'] as Verb[];
  const field = (path: string, v: unknown, msg: RegExp, verbs: Verb[] = attach) =>
    m.push({ what: `${path} ${show(v)}`, verbs, conf: (b) => withPath(b, path, v), msg });
  if (p === 'host-local' || p === 'bridge' || p === 'ptp') {
    for (const [path, v, msg] of ipamMutations('ipam.', attach)) {
      // dataDir and ranges are read by every verb; routes/dns/ips only matter for ADD.
      const all: Verb[] = path.endsWith('!') ? ['ADD', 'DEL', 'CHECK'] : ['ADD', 'DEL', 'CHECK', 'GC'];
      const verbs = /ranges|dataDir/.test(path) ? (p === 'host-local' ? all : add) : add;
      field(path.replace(/!$/, ''), v, msg, verbs);
    }
    field('ipam', 'x', /ipam/i, add);
    field('ipam', 42, /ipam/i, add);
    field('ipam.type', 42, /type/i, add);
  }
  if (p === 'bridge') {
    for (const v of badIfnames()) {
      field('bridge', v, /bridge/i, ['ADD', 'DEL', 'CHECK']);
    }
    for (const v of ['../../../bin/sh', '/bin/sh', 'a\nb', 'cni-ts-missing-ipam', '..', 'a/b', 'a\u0000b'])
      field('ipam.type', v, /ipam|plugin|type|find|not found/i, add);
    for (const v of [-1, 1e9, 65536 * 4, 'x', 1.5]) field('mtu', v, /mtu/i, add);
    for (const v of [-1, 4095, 5000, 'x', 1.5]) field('vlan', v, /vlan/i, add);
    for (const v of [[{ id: 0 }], [{ id: 4095 }], [{ minID: 5, maxID: 1 }], [{ minID: 5 }], 'x', [{ id: 'x' }]]) field('vlanTrunk', v, /vlan|trunk|ID/i, add);
    for (const v of ['bogus', 'iptables;x', 'nftables\n', 42]) field('ipMasqBackend', v, /ipMasqBackend|backend/i, add);
    for (const k of [
      'isGateway',
      'isDefaultGateway',
      'ipMasq',
      'hairpinMode',
      'promiscMode',
      'forceAddress',
      'macspoofchk',
      'enabledad',
      'disableContainerInterface',
      'portIsolation',
    ]) {
      field(k, 'yes', new RegExp(k, 'i'), add);
    }
    for (const v of ['zz:zz:zz:zz:zz:zz', 'aa:bb', 'aa:bb:cc:dd:ee:ff\n', '$(id)', 42, '01:00:5e:00:00:01']) {
      field('runtimeConfig', { mac: v }, /mac|MAC/i, add);
      field('args', { cni: { mac: v } }, /mac|MAC/i, add);
    }
    m.push({ what: 'CNI_ARGS MAC=garbage', verbs: add, env: { CNI_ARGS: 'MAC=garbage' }, msg: /mac|MAC/i });
    m.push({
      what: 'extra fields + missing ipam ranges',
      verbs: add,
      conf: (b) => ({ ...withPath(b, 'ipam.ranges', undefined), extra: { deep: [1, 2, { x: '$(id)' }] }, __proto__x: 1, constructor: 'x' }),
      msg: /range|subnet/i,
    });
    m.push({ what: 'CNI_PATH without host-local', verbs: add, env: { CNI_PATH: '/nonexistent' }, msg: /host-local|plugin|find/i });
  }
  if (p === 'portmap') {
    const pm = 'runtimeConfig.portMappings.0';
    for (const k of ['hostPort', 'containerPort']) {
      for (const v of [0, -1, 65536, ...BAD_INTS]) {
        if (v === null) continue; // null = unset = 0, covered by 0
        field(`${pm}.${k}`, v, /port/i, add);
      }
    }
    for (const v of ['icmp', 'tcp;x', 'tcp\n', 'tcp udp', '$(id)', 42, 'all', '-j']) field(`${pm}.protocol`, v, /protocol/i, add);
    for (const v of [...BAD_IPS.filter((x) => x !== ''), '1.2.3.4; flush ruleset', '1.2.3.4 }', 42]) field(`${pm}.hostIP`, v, /hostIP|IP|address/i, add);
    for (const v of ['a b', 'a\nb', 'x'.repeat(40), 'a;b', '"x"', '$(id)', 42, '-F', '--flush', '-j', '']) {
      field('externalSetMarkChain', v, /externalSetMarkChain|chain/i, add);
    }
    for (const v of [
      ['-s 1.2.3.4\n-F'],
      ['"'],
      [';'],
      ['-m comment --comment "x'],
      ['-s 1.2.3.4 #'],
      [''],
      'x',
      [42],
      ['a\u0000b'],
      ['`id`'],
      ['-j ACCEPT\nCOMMIT'],
    ]) {
      field('conditionsV4', v, /conditionsV4|condition/i, add);
    }
    // nft conditions: a token can never end the statement (no ';' or newline), so a stray brace
    // can only make the one `nft -f` transaction fail as a whole.
    for (const v of [['ip saddr 1.2.3.4 }'], ['} flush ruleset'], ['ip saddr 1.2.3.4 ; flush ruleset'], ['{'], ['ip6 saddr ::1\ncounter']]) {
      field('conditionsV4', v, /conditionsV4|condition|nft|syntax/i, add);
    }
    for (const v of [32, -1, '13', 1.5]) field('markMasqBit', v, /markMasqBit|MasqMarkBit|mask|bit/i, add);
    for (const v of ['bogus', 'iptables\n', 42]) field('backend', v, /backend/i, add);
    for (const v of ['yes', 1]) field('snat', v, /snat/i, add);
    field('prevResult', undefined, /prevResult|chained|chain/i, ['ADD', 'CHECK']);
    for (const v of [
      'x',
      42,
      { ips: 'x' },
      { cniVersion: '1.1.0', ips: [{ address: 'bogus' }] },
      { cniVersion: '1.1.0', ips: [{ address: '10.0.0.1' }] },
      { cniVersion: '9.9.9', ips: [] },
    ]) {
      field('prevResult', v, /prevResult|result|address|IP|version|unmarshal|decod/i, ['ADD', 'CHECK']);
    }
    field('runtimeConfig.portMappings', 'x', /portMappings|runtimeConfig/i, add);
    field('runtimeConfig', [], /runtimeConfig/i, add);
  }
  if (p === 'firewall') {
    // Read by every verb (the whole config is parsed first).
    const every: Verb[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'];
    for (const v of ['bogus', 'iptables\n', 'nftables', 'firewalld;x', 42]) field('backend', v, /backend/i, every);
    for (const v of ['bogus', 'same-bridge;x', 'isolated', 'Open', 42, []]) field('ingressPolicy', v, /ingressPolicy|ingress policy/i, every);
    for (const v of [
      'a b',
      'a\nb',
      'x'.repeat(40),
      'a;b',
      '"x"',
      '$(id)',
      42,
      '-F',
      '--flush',
      '-j',
      'ACCEPT',
      'FORWARD',
      'CNI-FORWARD',
      'CNI-ISOLATION-STAGE-1',
      'a\u0000b',
    ]) {
      field('iptablesAdminChainName', v, /iptablesAdminChainName|chain/i, every);
    }
    for (const v of ['a b', 'a;b', '$(id)', '-x', 'a\nb', 'x'.repeat(80), 42, {}]) field('firewalldZone', v, /firewalldZone|zone/i, every);
    field('prevResult', undefined, /prevResult/i, ['ADD', 'CHECK']);
    for (const v of [
      'x',
      42,
      { ips: 'x' },
      { cniVersion: '1.1.0', ips: [{ address: 'bogus' }] },
      { cniVersion: '1.1.0', ips: [{ address: '10.0.0.1' }] },
      { cniVersion: '9.9.9', ips: [] },
    ]) {
      field('prevResult', v, /prevResult|result|address|IP|version|unmarshal|decod/i, ['ADD', 'CHECK', 'DEL']);
    }
    // The bridge name becomes -i/-o of the isolation rules.
    for (const v of ['a b', 'br0 -j ACCEPT', 'br+', 'a"b', 'a\nb', 'x'.repeat(16), '', '$(id)']) {
      field('prevResult.interfaces', [{ name: v }, { name: 'eth0', sandbox: c.netns }], /interface|bridge/i, ['ADD', 'CHECK']);
    }
    field('prevResult.interfaces', undefined, /interface needs to be set/i, ['ADD', 'CHECK']);
  }
  if (p === 'tuning') tuningMutations(field, m);
  if (p === 'bandwidth') bandwidthMutations(field);
  if (p === 'sbr') {
    for (const v of [0, -1, 1.5, 'x', 2 ** 32, '100; rm -rf /', [], {}]) field('table', v, /table/);
    field('prevResult', undefined, /chained plugin/, ['ADD']);
    field('prevResult.ips', [], /No IP addresses/, ['ADD', 'CHECK']);
  }
  if (p === 'vrf') {
    field('vrfname', undefined, /vrfname/);
    for (const v of ['', 'a b', 'a;b', 'x'.repeat(16), '$(id)', 'a\nb', 42, [], {}]) field('vrfname', v, /vrfname/);
    for (const v of [-1, 1.5, 'x', 2 ** 32, '1; rm -rf /', []]) field('table', v, /table/);
    field('prevResult', undefined, /prevResult/, ['ADD', 'CHECK']);
  }
  if (p === 'dnsname') dnsnameMutations(field, m, c);
  if (p === 'static') staticMutations(field, m);
  if (p === 'flannel') flannelMutations(field);
  if (p === 'vlan' || p === 'dummy') linkMutations(p, field);
  if (p === 'host-device') hostDeviceMutations(field, m);
  if (p === 'tap') tapMutations(field, m);
  if (p === 'ptp') {
    for (const v of ['../../../bin/sh', '/bin/sh', 'a\nb', 'cni-ts-missing-ipam', '..', 'a/b', 'a\u0000b', ''])
      field('ipam.type', v, /ipam|plugin|type|find|not found|no plugin name/i, add);
    for (const v of [-1, 1e9, 65536 * 4, 'x', 1.5, true]) field('mtu', v, /mtu/i, add);
    for (const v of ['bogus', 'iptables;x', 'nftables\n', 42]) field('ipMasqBackend', v, /ipMasqBackend|backend/i, add);
    for (const v of ['yes', 1]) field('ipMasq', v, /ipMasq/i, add);
    field('dns', { nameservers: 'x' }, /nameservers|dns/i, ['DEL']);
    m.push({ what: 'CNI_PATH without host-local', verbs: add, env: { CNI_PATH: '/nonexistent' }, msg: /host-local|plugin|find/i });
  }
  if (p === 'macvlan' || p === 'ipvlan') lowerLinkMutations(p, field, m);
  return m;
}

function bandwidthMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void): void {
  const addCheck = ['ADD', 'CHECK'] as Verb[];
  // Type errors: every verb decodes the four keys.
  for (const k of ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst']) {
    for (const v of [-1, 1.5, '1000', true, [], 2 ** 64, 'x; rm -rf /']) field(k, v, new RegExp(k));
  }
  for (const v of [-1, 'fast', 2 ** 64])
    field('runtimeConfig', { bandwidth: { egressRate: v, egressBurst: 8000 } }, /runtimeConfig.bandwidth.egressRate/, ['ADD']);
  // Rate and burst together, the 4 GB limit, what the kernel cannot represent: ADD and CHECK.
  field('ingressBurst', 0, /ingressRate: if rate is set/, addCheck);
  field('egressRate', 0, /egressBurst: if burst is set/, addCheck);
  field('ingressBurst', 8 * 2 ** 32, /ingressBurst: burst cannot be more than 4GB/, addCheck);
  field('egressRate', 8e15, /egressRate\/egressBurst: .*zero buffer/, addCheck);
  field('egressRate', 4, /egressRate\/egressBurst: .*less than one byte/, addCheck);
  field('prevResult', undefined, /chained plugin/, addCheck);
  field('prevResult.interfaces', undefined, /no interfaces provided/, ['ADD']);
}

function dnsnameMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[], c: Context): void {
  // Names reach addnhosts lines and dnsmasq.conf: anything that is not a DNS name is refused.
  const dnsName = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
  const bad = HOSTILE_STRINGS.filter((s) => !dnsName.test(s));
  for (const [i, v] of [...bad, '', 'a..b', '-a', 'x\naddn-hosts=/etc/shadow', 42, []].entries()) {
    field('domainName', v, /domainName/, i < 6 ? ['ADD', 'DEL', 'CHECK', 'GC'] : ['ADD']);
  }
  field('domainName', undefined, /domainName/);
  for (const v of [...bad, '10.0.0.9\tvictim', 42]) field(`runtimeConfig.aliases.${c.net}`, ['web', v], /aliases/, ['ADD']);
  field('runtimeConfig.aliases', 'x', /aliases|runtimeConfig/, ['ADD']);
  for (const v of HOSTILE_ENV.filter((s) => !dnsName.test(s))) {
    m.push({
      what: `CNI_ARGS K8S_POD_NAME=${show(v)}`,
      verbs: ['ADD', 'DEL', 'CHECK'],
      env: { CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${v}` },
      msg: /K8S_POD_NAME|arg/i,
    });
  }
  field('prevResult', undefined, /prevResult/, ['ADD', 'CHECK']);
  for (const v of ['a b', 'br0 -j ACCEPT', 'a"b', 'a\nb', 'x'.repeat(16), '', '$(id)']) {
    field('prevResult.interfaces', [{ name: v }, { name: 'eth0', sandbox: c.netns }], /interface/i, ['ADD', 'CHECK']);
  }
  field('prevResult.interfaces', [], /interface/i, ['ADD', 'CHECK']);
}

function staticMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[]): void {
  const addCheck = ['ADD', 'CHECK'] as Verb[];
  const add = ['ADD'] as Verb[];
  for (const v of BAD_CIDRS) field('ipam.addresses', [{ address: v }], /ipam\.addresses\[0\]\.address/, addCheck);
  for (const v of BAD_IPS.filter((x) => x !== '')) field('ipam.addresses', [{ address: 'fd00:166::5/64', gateway: v }], /ipam\.addresses\[0\]\.gateway/, add);
  field('ipam.addresses', [{ address: 'fd00:166::5/64', gateway: '10.166.1.1' }], /ipam\.addresses\[0\]\.gateway: .*IPv4/, addCheck);
  for (const v of ['x', 42, [42], [{ address: 42 }], { address: 'fd00:166::5/64' }]) field('ipam.addresses', v, /ipam\.addresses/, add);
  for (const r of ['x', [{ dst: 'x' }], [{ dst: '10.0.0.0/8', gw: 'bogus' }], [{}], [42], [{ dst: '10.0.0.0/8', mtu: -1 }]])
    field('ipam.routes', r, /ipam\.routes/, add);
  for (const v of [42, { nameservers: 'x' }]) field('ipam.dns', v, /ipam\.dns/, add);
  field('ipam', 'x', /ipam/, add);
  field('ipam', undefined, /ipam/, addCheck);
  for (const v of [['x'], [42], 'x', ['1.2.3/24'], ['010.166.1.5/24'], ['10.166.1.5'], ['fd00:166::9/129']]) {
    field('runtimeConfig.ips', v, /runtimeConfig\.ips/, add);
    field('args', { cni: { ips: v } }, /args\.cni\.ips/, add);
  }
  m.push({
    what: 'two IPv6 addresses on 0.2.0',
    verbs: add,
    conf: (b) => ({ ...withPath(b, 'ipam.addresses', [{ address: 'fd00:166::5/64' }, { address: 'fd00:166::6/64' }]), cniVersion: '0.2.0' }),
    msg: /ipam\.addresses: .*more than 1 address per family/,
  });
  // The base config has no IPv4 address: a bare IPv4 address has no prefix length to take.
  for (const v of ['IP=fd00:166::9/64;GATEWAY=x', 'IP=fd00:166::9/64,', 'IP=10.166.1.9', 'IgnoreUnknown=1;IP=fd00:166::9/64;GATEWAY=fd00:166::1/64']) {
    m.push({ what: `CNI_ARGS ${show(v)}`, verbs: addCheck, env: { CNI_ARGS: v }, msg: /CNI_ARGS (IP|GATEWAY)/ });
  }
}

/** Names the kernel or our batch/ruleset validation refuses ("a|b" is a fine Linux name), and non-strings. */
const badIfnames = () => [
  ...HOSTILE_STRINGS.filter((s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 15 || /[\s/:"'\\#;{}$`*?\x00-\x1f\x7f]/.test(s)),
  42,
  [],
  {},
];

function hostDeviceMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[]): void {
  const add = ['ADD'] as Verb[];
  for (const v of badIfnames()) if (v !== '') field('device', v, /device/, add);
  // `device` wins over the other keys (getLink's order): each of them is tried without it.
  const alone = (path: string, v: unknown, msg: RegExp) =>
    m.push({ what: `${path} ${show(v)}`, verbs: add, conf: (b) => withPath(withPath(b, 'device', undefined), path, v), msg });
  for (const v of ['zz:zz:zz:zz:zz:zz', 'aa:bb', '02:00:00:00:00:01\n', '$(id)', '02:00:00:00:00:0', 42]) alone('hwaddr', v, /hwaddr/);
  for (const v of ['/etc/passwd', 'sys/devices/x', '/sys/devices/../../etc', '/sys/devices/x\ny', '/sys/class/net/lo', 42])
    alone('kernelpath', v, /kernelpath/);
  for (const v of ['../../../etc', '0000:00:03.0/net', 'a b', '0000:7f:1f.7', 42]) alone('pciBusID', v, /pciBusID/);
  for (const v of ['../x', 'a\nb', '0000:7f:1f.6', 42]) alone('runtimeConfig', { deviceID: v }, /deviceID|runtimeConfig/);
  alone('device', undefined, /specify either "device", "hwaddr", "kernelpath" or "pciBusID"/);
}

function tapMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[]): void {
  const add = ['ADD'] as Verb[];
  for (const v of ['zz:zz:zz:zz:zz:zz', 'aa:bb', '02:00:00:00:00:01\n', '02:00:00:00:00:01 mtu 1', '$(id)', '02:00:00:00:00:00:00:01', 42]) {
    field('mac', v, /mac|MAC/, add);
    field('runtimeConfig', { mac: v }, /mac|MAC/, add);
  }
  for (const k of ['mtu', 'owner', 'group']) for (const v of [-1, 1.5, '1400', true, [], 2 ** 53, 'x; rm -rf /']) field(k, v, new RegExp(k), add);
  for (const v of badIfnames()) if (v !== '') field('bridge', v, /bridge/, add);
  for (const v of ['x y', 'a\nb:c:d', '$(id)', 'u:r:t:s0;x', 42]) field('selinuxContext', v, /selinuxContext/, add);
  field('multiQueue', 'yes', /multiQueue/, add);
  for (const v of ['MAC=zz', 'MAC=02:00:00:00:00:01;MTU=1400', 'IgnoreUnknown=1;MAC=$(id)'])
    m.push({ what: `CNI_ARGS ${show(v)}`, verbs: add, env: { CNI_ARGS: v }, msg: /arg|MAC|mac/i });
}

function lowerLinkMutations(p: 'macvlan' | 'ipvlan', field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[]): void {
  const addCheck = ['ADD', 'CHECK'] as Verb[];
  const add = ['ADD'] as Verb[];
  const badIfname = (s: string) => s === '.' || s === '..' || Buffer.byteLength(s) > 15 || /[\s/:"'\\#;{}$`*?\x00-\x1f\x7f]/.test(s);
  for (const v of [...HOSTILE_STRINGS.filter(badIfname), 42, [], {}]) field('master', v, /master/, addCheck);
  for (const v of ['source', 'bridge;x', 'l2 ', 'L3', 42, ['l2']]) field('mode', v, /mode/, addCheck);
  for (const v of [-1, 1.5, '1400', true, 2 ** 53]) field('mtu', v, /mtu/, add);
  for (const v of ['yes', 1]) field('linkInContainer', v, /linkInContainer/, add);
  if (p === 'macvlan') {
    const macs = ['zz:zz:zz:zz:zz:zz', 'aa:bb', '02:00:00:00:00:01\n', '02:00:00:00:00:01 mtu 1', '$(id)', '01:00:5e:00:00:01', '00:00:00:00:00:00', 42];
    for (const v of macs) {
      field('mac', v, /mac/, add);
      field('runtimeConfig', { mac: v }, /mac/, add);
    }
    for (const v of [-1, 2 ** 32, 'x', 1.5]) field('bcqueuelen', v, /bcqueuelen/, add);
    for (const v of ['MAC=zz', 'MAC=02:00:00:00:00:01;MTU=1400', 'IgnoreUnknown=1;MAC=$(id)']) {
      m.push({ what: `CNI_ARGS ${show(v)}`, verbs: add, env: { CNI_ARGS: v }, msg: /arg|MAC/i });
    }
  } else {
    field('ipam', {}, /ipam/, add);
    field('ipam', undefined, /ipam/, add);
    const chained = (prev: unknown) => (b: Record<string, unknown>) => ({ ...withPath(withPath(b, 'ipam', undefined), 'master', undefined), prevResult: prev });
    m.push({
      what: 'chained, prevResult with two interfaces',
      verbs: add,
      conf: chained({ cniVersion: '1.1.0', interfaces: [{ name: 'a' }, { name: 'b' }], ips: [] }),
      msg: /master/,
    });
    m.push({ what: 'chained, prevResult not a result', verbs: add, conf: chained({ cniVersion: '1.1.0', ips: 'x' }), msg: /prevResult|result|ips/i });
  }
}

function tuningMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void, m: Mutation[]): void {
  // ADD and CHECK share one parser: the long lists run for ADD, a few cases show CHECK refuses too.
  const addCheck = ['ADD', 'CHECK'] as Verb[];
  const add = ['ADD'] as Verb[];
  // Keys: everything that could walk out of /proc/sys/net or be read as sysctl(8) syntax.
  const keys = [
    'kernel.hostname',
    'kernel/hostname',
    'net',
    'net.',
    '.net.core.somaxconn',
    'net/../kernel/hostname',
    'net..core',
    'net.core.somaxconn/..',
    'vm.overcommit_memory',
    'net.IFNAME',
    ...HOSTILE_STRINGS.filter((x) => /[\s=.\x00-\x1f\x7f]/.test(x)).map((x) => `net.core.${x}`),
  ];
  for (const [i, k] of [...new Set(keys)].entries()) {
    if (k === 'net.IFNAME') continue; // a valid key (sets net/<ifname>: fails in the kernel, not here)
    field('sysctl', { [k]: '1' }, /sysctl/i, i < 6 ? addCheck : add);
    // The same validation covers args.cni.sysctl: a few keys show it is applied there too.
    if (i < 6) field('args', { cni: { sysctl: { [k]: '1' } } }, /sysctl/i, add);
  }
  for (const v of ['1\n2', '1\u0000', '1\r', 'x'.repeat(5000), 42, true, [], {}]) field('sysctl', { 'net.core.somaxconn': v }, /sysctl/i, addCheck);
  for (const v of ['x', 42, [], true]) field('sysctl', v, /sysctl/i);
  const macs = ['zz:zz:zz:zz:zz:zz', 'aa:bb', '02:00:00:00:00:01\n', '02:00:00:00:00:01 mtu 1', '$(id)', '02:00:00:00:00:0'];
  // Every third hostile string: the MAC parser accepts one exact shape, the rest adds run time only.
  for (const [i, v] of [...macs, ...HOSTILE_STRINGS.filter((_, j) => j % 3 === 0)].entries()) field('mac', v, /mac|MAC/, i < 6 ? addCheck : add);
  for (const v of macs) {
    field('runtimeConfig', { mac: v }, /mac|MAC/, add);
    field('args', { cni: { mac: v } }, /mac|MAC/, add);
  }
  for (const v of [42, [], {}]) field('mac', v, /mac/);
  for (const k of ['mtu', 'txQLen']) {
    for (const v of [-1, 1.5, '1400', true, [], 2 ** 53, 'x; rm -rf /']) {
      field(k, v, new RegExp(k));
      field('args', { cni: { [k]: v } }, new RegExp(k), add);
    }
  }
  field('txQLen', 2 ** 32, /txQLen/);
  for (const k of ['promisc', 'allmulti']) for (const v of ['yes', 1, []]) field(k, v, new RegExp(k));
  for (const d of ['relative/dir', '/tmp/../etc/cni-ts-evil', '/tmp/a\nb', 42, '/tmp/a\u0000b', '..', '/tmp/./../etc']) field('dataDir', d, /dataDir/);
  field('args', 'x', /args/);
  field('args', { cni: 'x' }, /args|cni/);
  field('runtimeConfig', 'x', /runtimeConfig/);
  field('prevResult', undefined, /prevResult/, addCheck);
  for (const v of ['x', 42, { ips: 'x' }, { cniVersion: '1.1.0', interfaces: 'eth0' }, { cniVersion: '1.1.0', ips: [{ address: 'bogus' }] }]) {
    field('prevResult', v, /prevResult|result|address|interfaces|IP|unmarshal|decod/i, addCheck);
  }
  for (const v of ['MAC=zz', 'MAC=02:00:00:00:00:01;MTU=1400', 'MAC=02:00:00:00:00:01 x', 'IgnoreUnknown=1;MAC=$(id)']) {
    m.push({ what: `CNI_ARGS ${show(v)}`, verbs: addCheck, env: { CNI_ARGS: v }, msg: /arg|MAC|mac/i });
  }
}

/** vlan and dummy: their own keys (vlan), IPAM required, IPAM's own config (dummy asks IPAM alongside the link). */
function linkMutations(p: 'vlan' | 'dummy', field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void): void {
  const add = ['ADD'] as Verb[];
  const addCheck = ['ADD', 'CHECK'] as Verb[];
  field('ipam', undefined, /ipam: .*requires an IPAM configuration/, [...addCheck, 'STATUS']);
  field('ipam', 'x', /ipam/i, add);
  for (const v of ['../../../bin/sh', '/bin/sh', 'a\nb', '..', 'a/b', 42]) field('ipam.type', v, /ipam\.type/, addCheck);
  if (p === 'dummy') {
    for (const [path, v, msg] of ipamMutations('ipam.', add)) field(path.replace(/!$/, ''), v, msg, add);
    return;
  }
  // Read by every verb: a config the plugin cannot understand is refused, even by DEL.
  const every: Verb[] = ['ADD', 'DEL', 'CHECK', 'STATUS'];
  field('master', undefined, /"master" field is required/, every);
  const badIfname = (s: string) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 15 || /[\s/:"'\\#;{}$`*?\x00-\x1f\x7f]/.test(s);
  for (const v of [...HOSTILE_STRINGS.filter(badIfname), 42, [], {}]) field('master', v, /master/, every);
  for (const v of [-1, 4095, 5000, 1e10, 1.5, '100', true, []]) field('vlanId', v, /vlanId/, every);
  for (const v of [-1, 2 ** 32, 1.5, '1400', true]) field('mtu', v, /mtu/, every);
  for (const v of ['yes', 1, []]) field('linkInContainer', v, /linkInContainer/, add);
}

export function generateCorpus(plugins: readonly PluginName[], ctx: (p: PluginName) => Context): Case[] {
  const cases: Case[] = [];
  for (const p of plugins) {
    const c = ctx(p);
    const base = baseConf(p, c);
    for (const mut of [...generic(p, c), ...specific(p, c)]) {
      for (const verb of mut.verbs) {
        if (verb !== 'BOGUS' && !VERBS[p].includes(verb)) continue;
        const conf = mut.conf ? mut.conf(base) : base;
        const attach = ATTACH.includes(verb) || verb === 'BOGUS';
        cases.push({
          id: `${p} ${verb} ${mut.what}`,
          plugin: p,
          verb,
          env: {
            CNI_COMMAND: verb === 'BOGUS' ? 'BOGUS' : verb,
            ...(attach ? { CNI_CONTAINERID: c.cid, CNI_IFNAME: 'eth0' } : {}),
            ...(verb === 'ADD' || verb === 'CHECK' || verb === 'BOGUS' ? { CNI_NETNS: c.netns } : {}),
            ...mut.env,
          },
          ...(mut.unset ? { unset: mut.unset } : {}),
          stdin: typeof conf === 'string' ? conf : JSON.stringify(conf),
          msg: mut.msg,
        });
      }
    }
  }
  return cases;
}

function flannelMutations(field: (path: string, v: unknown, msg: RegExp, verbs?: Verb[]) => void): void {
  const every = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'] as Verb[];
  const add = ['ADD'] as Verb[];
  // Both paths are read by every verb: nothing may be created or read outside them.
  for (const k of ['dataDir', 'subnetFile']) {
    for (const d of ['relative/dir', '/tmp/../etc/cni-ts-evil', '/tmp/a\nb', 42, '/tmp/a\u0000b', '..', '/tmp/./../etc', []]) field(k, d, new RegExp(k), every);
  }
  field('delegate', { name: 'x' }, /'delegate' dictionary must not have 'name'/, add);
  field('delegate', { ipam: {} }, /'delegate' dictionary must not have 'ipam'/, add);
  for (const t of [42, null, true, {}]) field('delegate', { type: t }, /'type' field/, add);
  for (const t of ['../../../bin/sh', '/bin/sh', 'a\nb', '..', 'a/b', '']) field('delegate', { type: t }, /delegate\.type/, add);
  for (const v of ['x', 42, [], true]) field('delegate', v, /delegate/, every);
  for (const t of ['/bin/sh', '..', 42]) field('ipam', { type: t }, /ipam\.type/, add);
  for (const r of ['x', [{ dst: 'x' }], [{ dst: '10.0.0.0/8', gw: 'bogus' }], [{}], [42]]) field('ipam', { routes: r }, /ipam\.routes/, add);
  for (const v of ['x', 42, []]) field('ipam', v, /ipam/, every);
  field('runtimeConfig', 'x', /runtimeConfig/, every);
}
