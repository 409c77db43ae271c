// dnsname against the reference (Debian's containers/dnsname 1.3.1, /usr/lib/cni/dnsname), with a
// real dnsmasq: the same conflist gives the same files, dnsmasq.conf, INPUT rule and result; and
// switching implementations with containers attached keeps every name resolving.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haveCnitool, haveOurBin, refBin } from '../lib/index.ts';
import { dnsmasqProcesses } from '../lib/cleanup.ts';
import { useCleanup } from '../lib/hooks.ts';
import { alive, cni, dirOf, dnsmasqOf, dnsRules, ipOf, lookup, makeNet, mustCni, newCtr, readIn, withDnsname, type Net } from './helpers.ts';

useCleanup({ scope: 'all' });

// Tens of seconds on a quiet machine; generous for a loaded shared one.
const TIMEOUT = 180_000;

const haveRef = existsSync(refBin('dnsname'));
const norm = (net: Net, s: unknown): string => JSON.stringify(s).replaceAll(net.name, 'NET').replaceAll(net.bridge, 'BR').replaceAll(net.prefix, 'P.');

describe.skipIf(!haveOurBin('dnsname') || !haveOurBin('bridge') || !haveCnitool() || !haveRef)('dnsname against the reference', () => {
  it(
    'same files, dnsmasq.conf, rule and result; the reference CHECK fails (wrong directory), ours passes; the reference keeps its rule',
    async () => {
      const out = await Promise.all(
        (['ref', 'ours'] as const).map(async (impl, i) => {
          const net = await makeNet({ dnsname: impl, a: 172, b: i + 1 });
          const web = await newCtr('web', ['www', 'f00dfeedbeef']);
          const cli = await newCtr('cli');
          const r1 = await mustCni('add', net, web);
          const r2 = await mustCni('add', net, cli);
          const gw = `${net.prefix}1`;
          const dir = dirOf(net.name);
          const files = readdirSync(dir).sort();
          const modes = Object.fromEntries(files.map((f) => [f, (statSync(`${dir}/${f}`).mode & 0o777).toString(8)]));
          const resolved = [await lookup(cli.ns, 'www', gw), await lookup(web.ns, 'cli', gw)];
          const check = await cni('check', net, web);
          const hosts = [readIn(net.name, 'addnhosts')];
          await mustCni('del', net, web);
          hosts.push(readIn(net.name, 'addnhosts'));
          const pid = dnsmasqOf(net.name);
          const rule = await dnsRules(net.bridge);
          await mustCni('del', net, cli);
          // The reference SIGKILLs without waiting: give it a moment before looking.
          for (let t = 0; t < 50 && pid !== undefined && alive(pid); t++) await new Promise((r) => setTimeout(r, 20));
          return {
            result: norm(net, { ips: r2.json.ips, dns: r2.json.dns, interfaces: (r2.json.interfaces as unknown[]).length }),
            add1: norm(net, r1.json.dns),
            files,
            modes,
            conf: norm(net, readIn(net.name, 'dnsmasq.conf') ?? ''),
            hosts: norm(net, hosts),
            resolved: norm(net, resolved),
            ips: norm(net, [ipOf(r1), ipOf(r2)]),
            rule: norm(net, rule),
            check: check.code,
            checkMsg: check.stdout + check.stderr,
            afterLast: { dir: existsSync(dir), dnsmasq: pid !== undefined && alive(pid), rule: norm(net, await dnsRules(net.bridge)) },
          };
        }),
      );
      const [ref, ours] = out as [(typeof out)[0], (typeof out)[0]];
      // What both write: the same.
      expect(ours.result).toBe(ref.result);
      expect(ours.add1).toBe(ref.add1);
      expect(ours.hosts).toBe(ref.hosts);
      expect(ours.hosts).toContain('P.2\\tweb\\twww\\tf00dfeedbeef\\nP.3\\tcli\\n');
      expect(ours.resolved).toBe(ref.resolved);
      expect(ours.resolved).toBe(JSON.stringify([['P.2'], ['P.3']]));
      expect(ours.rule).toBe(ref.rule);
      expect(ours.rule).toBe(JSON.stringify(['-A INPUT -i BR -p udp -m udp --dport 53 -j ACCEPT']));
      // The reference's files, each with its mode; ours adds its record of attachments.
      expect(ours.files.filter((f) => f !== 'attachments.json')).toEqual(ref.files);
      expect(ref.files).toEqual(['addnhosts', 'dnsmasq.conf', 'lock', 'pidfile']);
      for (const f of ref.files) expect(ours.modes[f], f).toBe(ref.modes[f]);
      // The reference's CHECK lists the root directory, not the network's: it always fails.
      expect(ref.check, ref.checkMsg).not.toBe(0);
      expect(ref.checkMsg).toMatch(/addnhost file missing/);
      expect(ours.check, ours.checkMsg).toBe(0);
      // After the last container: both remove the directory and stop dnsmasq; only ours removes the rule.
      expect(ref.afterLast).toEqual({ dir: false, dnsmasq: false, rule: ours.rule });
      expect(ours.afterLast).toEqual({ dir: false, dnsmasq: false, rule: '[]' });
    },
    TIMEOUT,
  );

  it(
    'switching ours ↔ Go with containers attached keeps names resolving; the last DEL (either) cleans up',
    async () => {
      const netRef = await makeNet({ dnsname: 'ref', a: 173, b: 1 });
      const netOurs = await withDnsname(netRef, 'ours');
      const gw = `${netRef.prefix}1`;
      const [web, cli, db] = [await newCtr('web', ['www']), await newCtr('cli'), await newCtr('db')];

      const ipWeb = ipOf(await mustCni('add', netRef, web));
      const pid = dnsmasqOf(netRef.name);
      expect(pid, 'Go started dnsmasq').toBeDefined();
      const ipCli = ipOf(await mustCni('add', netOurs, cli));
      expect(dnsmasqOf(netRef.name), 'ours reloads the dnsmasq Go started').toBe(pid);
      expect(await lookup(cli.ns, 'www', gw)).toEqual([ipWeb]);
      expect(await lookup(web.ns, 'cli', gw)).toEqual([ipCli]);
      await mustCni('check', netOurs, web);

      // Ours removes a line Go wrote; Go adds again; Go removes a line ours wrote.
      await mustCni('del', netOurs, web);
      expect(await lookup(cli.ns, 'web', gw)).toEqual([]);
      const ipDb = ipOf(await mustCni('add', netRef, db));
      expect(await lookup(cli.ns, 'db', gw)).toEqual([ipDb]);
      await mustCni('del', netRef, cli);
      expect(await lookup(db.ns, 'cli', gw)).toEqual([]);
      expect(await lookup(db.ns, 'db', gw)).toEqual([ipDb]);
      expect(readIn(netRef.name, 'addnhosts')).toBe(`${ipDb}\tdb\n`);
      expect(dnsmasqOf(netRef.name)).toBe(pid);

      await mustCni('del', netOurs, db);
      expect(alive(pid!)).toBe(false);
      expect(existsSync(dirOf(netRef.name))).toBe(false);
      expect(await dnsRules(netRef.bridge)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'concurrent ADDs and DELs, ours and Go mixed on one network, under the shared lock: every line once, one dnsmasq',
    async () => {
      const netRef = await makeNet({ dnsname: 'ref', a: 173, b: 2 });
      const netOurs = await withDnsname(netRef, 'ours');
      const ctrs = await Promise.all(['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map((n) => newCtr(n)));
      const via = (i: number) => (i % 2 ? netRef : netOurs);
      const ips = await Promise.all(ctrs.map(async (c, i) => ipOf(await mustCni('add', via(i), c))));
      const lines = (readIn(netRef.name, 'addnhosts') ?? '').split('\n').filter((l) => l !== '');
      expect(lines.sort()).toEqual(ctrs.map((c, i) => `${ips[i]}\t${c.name}`).sort());
      const procs = (await dnsmasqProcesses((s) => s.includes(`/${netRef.name}/dnsmasq.conf`))).map((p) => p.pid);
      expect(procs).toEqual([dnsmasqOf(netRef.name)]);
      expect(await lookup(ctrs[0]!.ns, 'c5', `${netRef.prefix}1`)).toEqual([ips[5]]);
      await Promise.all(ctrs.map((c, i) => mustCni('del', via(i + 1), c)));
      expect(existsSync(dirOf(netRef.name))).toBe(false);
      // The last DEL may be Go's, which SIGKILLs without waiting: give it a moment.
      for (let t = 0; t < 50 && alive(procs[0]!); t++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(procs[0]!)).toBe(false);
    },
    TIMEOUT,
  );
});
