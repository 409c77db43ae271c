// Where ours is better than the reference, each shown against it where it can run: entries of two
// containers with the same K8S_POD_NAME (containers/dnsname #86), a network recreated under another
// bridge name (#54), a failed ADD that leaves nothing; and GC, bad input, a missing dnsmasq.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  cnitoolContainerId,
  createNetns,
  haveCnitool,
  haveOurBin,
  netName,
  ourBin,
  refBin,
  runPlugin,
  trackLink,
  type Impl,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { alive, dirOf, dnsmasqOf, dnsRules, DOMAIN, ipOf, lookup, makeNet, mustCni, newCtr, readIn, stopAtCleanup } from './helpers.ts';

useCleanup({ scope: 'all' });

// Tens of seconds on a quiet machine; generous for a loaded shared one.
const TIMEOUT = 180_000;
const haveRef = existsSync(refBin('dnsname'));
const IMPLS: Impl[] = haveRef ? ['ours', 'ref'] : ['ours'];
const ready = haveOurBin('dnsname') && haveOurBin('bridge') && haveCnitool();
const NO_XDG = { XDG_RUNTIME_DIR: undefined };

describe.skipIf(!ready)('dnsname: better than the reference', () => {
  it.each(IMPLS)(
    "%s: two containers with the same K8S_POD_NAME (#86): ours keeps the other one's name, the reference removes it",
    async (impl) => {
      const net = await makeNet({ dnsname: impl, a: 171, b: impl === 'ours' ? 1 : 2 });
      const [a, b] = [await newCtr('twin'), await newCtr('twin')];
      await mustCni('add', net, a);
      const ipB = ipOf(await mustCni('add', net, b));
      await mustCni('del', net, a);
      const left = await lookup(b.ns, 'twin', `${net.prefix}1`);
      await mustCni('del', net, b);
      if (impl === 'ours') expect(left).toEqual([ipB]);
      // The reference removes every line whose name is "twin": b has lost its name.
      else expect(left).toEqual([]);
    },
    TIMEOUT,
  );

  it.each(IMPLS)(
    '%s: a network recreated under another bridge name (#54): ours serves the new bridge, the reference still the old one',
    async (impl) => {
      const name = netName();
      const i = impl === 'ours' ? 3 : 5;
      const old = await makeNet({ dnsname: impl, a: 171, b: i, name });
      const c1 = await newCtr('first');
      await mustCni('add', old, c1);
      // Same network name, new bridge and subnet, while the old directory is still there.
      const now = await makeNet({ dnsname: impl, a: 171, b: i + 1, name });
      const c2 = await newCtr('second');
      const ip2 = ipOf(await mustCni('add', now, c2));
      const conf = readIn(name, 'dnsmasq.conf') ?? '';
      const found = await lookup(c2.ns, 'second', `${now.prefix}1`);
      const rules = { old: (await dnsRules(old.bridge)).length, now: (await dnsRules(now.bridge)).length };
      await mustCni('del', now, c2);
      await mustCni('del', old, c1);
      if (impl === 'ours') {
        expect(conf).toContain(`interface=${now.bridge}\n`);
        expect(found).toEqual([ip2]);
        expect(rules).toEqual({ old: 0, now: 1 });
        expect(existsSync(dirOf(name))).toBe(false);
        expect(await dnsRules(now.bridge)).toEqual([]);
      } else {
        // The reference never rewrites dnsmasq.conf: dnsmasq still serves the old bridge only.
        expect(conf).toContain(`interface=${old.bridge}\n`);
        expect(found).toEqual([]);
      }
    },
    TIMEOUT,
  );

  it.each(IMPLS)(
    '%s: an ADD failing on a missing bridge: ours leaves nothing, the reference leaves files, dnsmasq and the rule',
    async (impl) => {
      const name = netName();
      const br = bridgeName();
      trackLink(br);
      stopAtCleanup(name);
      const conf = {
        cniVersion: '1.0.0',
        name,
        type: 'dnsname',
        domainName: DOMAIN,
        prevResult: {
          cniVersion: '1.0.0',
          interfaces: [{ name: br }, { name: 'eth0', sandbox: '/var/run/netns/x' }],
          ips: [{ interface: 1, address: '10.171.9.2/24' }],
        },
      };
      const bin = impl === 'ours' ? ourBin('dnsname') : refBin('dnsname');
      const ns = await createNetns();
      const r = await runPlugin(bin, { command: 'ADD', containerId: 'c1', netns: ns.path, ifname: 'eth0', args: 'K8S_POD_NAME=web', extraEnv: NO_XDG }, conf);
      const left = { dir: existsSync(dirOf(name)), dnsmasq: dnsmasqOf(name) !== undefined, rule: (await dnsRules(br)).length };
      expect(r.code, r.stdout).not.toBe(0);
      if (impl === 'ours') {
        expect(r.json.msg).toMatch(new RegExp(`bridge ${br}`));
        expect(left).toEqual({ dir: false, dnsmasq: false, rule: 0 });
      } else {
        // The reference reads the bridge last: files, dnsmasq and the rule stay.
        expect(left).toEqual({ dir: true, dnsmasq: true, rule: 1 });
      }
    },
    TIMEOUT,
  );

  it(
    'GC removes the entries of attachments no longer valid, then stops dnsmasq when none is left',
    async () => {
      const net = await makeNet({ dnsname: 'ours', a: 171, b: 7 });
      const [c1, c2] = [await newCtr('one'), await newCtr('two', ['deux'])];
      await mustCni('add', net, c1);
      const ip2 = ipOf(await mustCni('add', net, c2));
      const pid = dnsmasqOf(net.name);
      const gc = (valid: Array<{ containerID: string; ifname: string }>) =>
        runPlugin(
          ourBin('dnsname'),
          { command: 'GC', extraEnv: NO_XDG },
          { cniVersion: '1.1.0', name: net.name, type: 'dnsname', domainName: DOMAIN, 'cni.dev/valid-attachments': valid },
        );
      const g1 = await gc([{ containerID: cnitoolContainerId(c2.ns.path), ifname: 'eth0' }]);
      expect(g1.code, g1.stdout).toBe(0);
      expect(await lookup(c2.ns, 'one', `${net.prefix}1`)).toEqual([]);
      expect(await lookup(c2.ns, 'deux', `${net.prefix}1`)).toEqual([ip2]);
      expect(readIn(net.name, 'addnhosts')).toBe(`${ip2}\ttwo\tdeux\n`);
      const g2 = await gc([]);
      expect(g2.code, g2.stdout).toBe(0);
      expect(alive(pid!)).toBe(false);
      expect(existsSync(dirOf(net.name))).toBe(false);
      expect(await dnsRules(net.bridge)).toEqual([]);
      // The runtime's DEL afterwards still succeeds.
      await mustCni('del', net, c1);
      await mustCni('del', net, c2);
    },
    TIMEOUT,
  );

  it(
    'bad input and a missing dnsmasq: a spec error naming the field, nothing written, no dnsmasq',
    async () => {
      const name = netName();
      stopAtCleanup(name);
      const prevResult = {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'lo' }, { name: 'eth0', sandbox: '/x' }],
        ips: [{ interface: 1, address: '10.171.9.2/24' }],
      };
      const base = { cniVersion: '1.0.0', name, type: 'dnsname', domainName: DOMAIN, prevResult };
      const cases: Array<[Record<string, unknown>, string, Record<string, string | undefined>, number, RegExp]> = [
        [
          { runtimeConfig: { aliases: { [name]: ['ok', 'evil\n10.0.0.1 victim'] } } },
          'K8S_POD_NAME=web',
          {},
          7,
          new RegExp(`^runtimeConfig\\.aliases\\.${name}\\[1\\]: .*control`),
        ],
        [{ runtimeConfig: { aliases: { [name]: ['a\tb'] } } }, 'K8S_POD_NAME=web', {}, 7, /aliases.*control characters/],
        [{}, 'K8S_POD_NAME=../../etc/x', {}, 4, /^CNI_ARGS K8S_POD_NAME: .*path separator/],
        [{ domainName: 'x\naddn-hosts=/etc/shadow' }, 'K8S_POD_NAME=web', {}, 7, /^domainName: /],
        [{ prevResult: undefined }, 'K8S_POD_NAME=web', {}, 7, /^prevResult: missing/],
        [{}, 'K8S_POD_NAME=web', { XDG_RUNTIME_DIR: 'relative' }, 4, /^XDG_RUNTIME_DIR: /],
        [{}, 'K8S_POD_NAME=web', { PATH: '/usr/bin:/bin' }, 999, /unable to locate dnsmasq in path.*dnsmasq-base/],
      ];
      const ns = await createNetns();
      for (const [extra, args, env, code, re] of cases) {
        const r = await runPlugin(
          ourBin('dnsname'),
          { command: 'ADD', containerId: 'c1', netns: ns.path, ifname: 'eth0', args, extraEnv: { ...NO_XDG, ...env } },
          { ...base, ...extra },
        );
        expect(r.code, r.stdout).toBe(1);
        expect(r.json.code, r.stdout).toBe(code);
        expect(r.json.msg).toMatch(re);
        expect(existsSync(dirOf(name))).toBe(false);
        expect(dnsmasqOf(name)).toBeUndefined();
      }
      expect(existsSync('relative')).toBe(false);
    },
    TIMEOUT,
  );
});
