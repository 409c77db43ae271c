// The protocol checks every plugin inherits from shared/cni/skel.ts (spec "Section 2: Execution Protocol",
// "Error", "VERSION Success"; containernetworking/cni `pkg/skel/skel.go`), run against all four of our executables (generic-a/b
// split them so both vitest workers share the load). Almost all of these calls fail before any
// kernel work, so they are cheap; the own-netns check proves it by snapshotting the host around
// the refused calls.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OUR_BIN_DIR,
  RUN_PREFIX,
  createNetns,
  diffHostState,
  exclusiveHost,
  haveOurBin,
  makeTempDir,
  ourBin,
  runPlugin,
  snapshotHost,
  type PluginInvocation,
} from '../lib/index.ts';
import {
  VERSIONS,
  VERSION_OBJECT,
  cmpVersion,
  pMap,
  expectEmptySuccess,
  expectError,
  expectJsonSuccess,
  fixture,
  validConf,
  type PluginName,
} from './helpers.ts';

const ALL_ENV = ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'] as const;

/** Registers the skeleton checks for some of our executables (the calling file registers cleanup). */
export function skeletonSuite(plugins: readonly PluginName[]): void {
  describe.each(plugins)('skeleton of our %s', (plugin: PluginName) => {
    const bin = ourBin(plugin);
    // Attachment env for calls that must fail before touching anything: the netns path never exists.
    const env = (command: string, over: Partial<PluginInvocation> = {}): PluginInvocation => ({
      command,
      containerId: `${RUN_PREFIX}-c`,
      netns: `/var/run/netns/${RUN_PREFIX}-absent`,
      ifname: 'eth0',
      ...over,
    });

    it.skipIf(!haveOurBin(plugin))('VERSION prints the version object whatever the env and stdin', async () => {
      const variants: Array<[Partial<PluginInvocation>, string]> = [
        [{}, '{"cniVersion":"1.1.0"}'],
        // No other CNI_* variable at all (runPlugin sets CNI_PATH unless removed).
        [{ extraEnv: { CNI_PATH: undefined } }, ''],
        // libcni's probe for old skels.
        [{ netns: 'dummy', ifname: 'dummy', path: 'dummy' }, '{"cniVersion":"0.4.0"}'],
        // stdin is not even read for VERSION.
        [{ extraEnv: { CNI_PATH: undefined } }, '{bad'],
      ];
      for (const [over, stdin] of variants) {
        const r = await runPlugin(bin, { command: 'VERSION', ...over }, stdin);
        expect(expectJsonSuccess(r)).toStrictEqual(VERSION_OBJECT);
        expect(r.stderr).toBe('');
      }
    });

    it.skipIf(!haveOurBin(plugin))('no CNI_COMMAND: about text on stderr, empty stdout, exit 0', async () => {
      for (const command of [undefined, '']) {
        const r = await runPlugin(bin, { command: '', extraEnv: { CNI_COMMAND: command } }, '{}');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`CNI ${plugin} plugin`);
        expect(r.stderr).toContain(`CNI protocol versions supported: ${VERSIONS.join(', ')}`);
      }
    });

    it.skipIf(!haveOurBin(plugin))('unknown or mis-cased CNI_COMMAND is code 4', async () => {
      const f = await fixture();
      await pMap(['BOGUS', 'add', 'Del', 'version', 'ADD ', 'GARBAGE\u00e9'], async (command) => {
        expectError(await runPlugin(bin, env(command), validConf(plugin, f)), 4, /unknown CNI_COMMAND/);
      });
    });

    it.skipIf(!haveOurBin(plugin))('each missing required env var is code 4 naming it', async () => {
      const f = await fixture();
      const conf = validConf(plugin, f);
      const required: Record<string, readonly string[]> = {
        ADD: ALL_ENV,
        CHECK: ALL_ENV,
        DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
        GC: ['CNI_PATH'],
        STATUS: ['CNI_PATH'],
      };
      // Empty counts as unset (Go skel tests == ""): checked for ADD.
      const cases = Object.entries(required).flatMap(([command, vars]) =>
        vars.flatMap((v) => (command === 'ADD' ? [undefined, ''] : [undefined]).map((value) => ({ command, v, value }))),
      );
      await pMap(cases, async ({ command, v, value }) => {
        const e = expectError(await runPlugin(bin, env(command, { extraEnv: { [v]: value } }), conf), 4);
        expect(e.msg, `${command} without ${v}`).toBe(`required env variables [${v}] missing`);
      });
      // All missing at once: listed in skel's order.
      const r = await runPlugin(bin, { command: 'ADD', extraEnv: { CNI_PATH: undefined } }, conf);
      expect(expectError(r, 4).msg).toBe('required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing');
      // Env is checked before stdin is even parsed.
      expectError(await runPlugin(bin, env('ADD', { ifname: undefined }), '{bad'), 4);
    });

    it.skipIf(!haveOurBin(plugin))('bad CNI_IFNAME / CNI_CONTAINERID are code 4', async () => {
      const f = await fixture();
      const conf = validConf(plugin, f);
      const ifnames = ['a'.repeat(16), 'a/b', 'a:b', 'a b', 'a\tb', '.', '..'];
      const ids = ['_x y', '-abc', 'a/b', 'a;b', '.x'];
      const cases: Array<[string, Partial<PluginInvocation>, RegExp]> = [
        ...ifnames.map((ifname) => ['ADD', { ifname }, /interface name|CNI_IFNAME/] as [string, Partial<PluginInvocation>, RegExp]),
        ...ids.map((containerId) => ['ADD', { containerId }, /containerID/] as [string, Partial<PluginInvocation>, RegExp]),
        ...['CHECK', 'DEL'].flatMap(
          (c) =>
            [
              [c, { ifname: 'a/b' }, /interface name|CNI_IFNAME/],
              [c, { ifname: 'a'.repeat(16) }, /interface name|CNI_IFNAME/],
              [c, { containerId: '_x y' }, /containerID/],
            ] as Array<[string, Partial<PluginInvocation>, RegExp]>,
        ),
      ];
      await pMap(cases, async ([command, over, re]) => expectError(await runPlugin(bin, env(command, over), conf), 4, re));
      // 15 bytes is still fine: the call gets past env validation (and fails later on the netns).
      const r = await runPlugin(bin, env('CHECK', { ifname: 'a'.repeat(15) }), conf);
      expect(r.json?.code).not.toBe(4);
    });

    it.skipIf(!haveOurBin(plugin))('config decoding: bad JSON 6, missing/bad name 7, unsupported version 1', async () => {
      const f = await fixture();
      const conf = validConf(plugin, f);
      const { name: _drop, ...noName } = conf;
      type Case = [string, object | string, number, RegExp | string];
      const full = (command: string): Case[] => [
        ...['{bad', '', '[1,2]', '"str"', 'null'].map((s): Case => [command, s, 6, /unmarshal/]),
        [command, noName, 7, 'missing network name'],
        [command, { ...conf, name: '' }, 7, 'missing network name'],
        ...['-bad/x', 'a b', '.x'].map((name): Case => [command, { ...conf, name }, 7, /invalid characters found in network name/]),
        ...['9.9.9', '1.2.0', '0.5.0', '1.1'].map((v): Case => [command, { ...conf, cniVersion: v }, 1, 'incompatible CNI versions']),
      ];
      const short = (command: string): Case[] => [
        [command, '{bad', 6, /unmarshal/],
        [command, noName, 7, 'missing network name'],
        [command, { ...conf, name: '-bad/x' }, 7, /invalid characters/],
        [command, { ...conf, cniVersion: '9.9.9' }, 1, 'incompatible CNI versions'],
      ];
      const cases = [...full('ADD'), ...['DEL', 'CHECK', 'GC', 'STATUS'].flatMap(short)];
      await pMap(cases, async ([command, stdin, code, msg]) => {
        const e = expectError(await runPlugin(bin, env(command), stdin), code, msg);
        if (code === 1) {
          const v = (stdin as { cniVersion: string }).cniVersion;
          expect(e.details).toBe(`config is "${v}", plugin supports [${VERSIONS.map((x) => `"${x}"`).join(' ')}]`);
        }
      });
    });

    it.skipIf(!haveOurBin(plugin))('verbs newer than the config version are code 1', async () => {
      const f = await fixture();
      const cases = VERSIONS.flatMap((v) => [
        ...(cmpVersion(v, '0.4.0') < 0 ? [{ v, command: 'CHECK' }] : []),
        ...(cmpVersion(v, '1.1.0') < 0
          ? [
              { v, command: 'GC' },
              { v, command: 'STATUS' },
            ]
          : []),
      ]);
      await pMap(cases, async ({ v, command }) => {
        const inv = command === 'CHECK' ? env(command) : { command };
        expectError(await runPlugin(bin, inv, validConf(plugin, f, v)), 1, `config version does not allow ${command}`);
      });
    });

    it.skipIf(!haveOurBin(plugin))('GC and STATUS at 1.1.0 need only CNI_COMMAND + CNI_PATH and print nothing', async () => {
      const f = await fixture();
      const conf = validConf(plugin, f);
      // Only CNI_COMMAND and CNI_PATH, as cnitool/libcni send them (others empty).
      expectEmptySuccess(await runPlugin(bin, { command: 'STATUS' }, conf));
      expectEmptySuccess(await runPlugin(bin, { command: 'STATUS', containerId: '', netns: '', ifname: '', args: '' }, conf));
      for (const extra of [{ 'cni.dev/valid-attachments': [] }, {}, { 'cni.dev/attachments': [] }]) {
        expectEmptySuccess(await runPlugin(bin, { command: 'GC', containerId: '', netns: '', ifname: '' }, { ...conf, ...extra }));
      }
      // Attachment variables that would be invalid for ADD are not looked at by GC/STATUS.
      expectEmptySuccess(await runPlugin(bin, { command: 'GC', containerId: '_x y', ifname: 'a/b' }, conf));
      expectEmptySuccess(await runPlugin(bin, { command: 'STATUS', containerId: '_x y', ifname: 'a/b' }, conf));
    });

    it.skipIf(!haveOurBin(plugin))("CNI_NETNS = the plugin's own netns: code 8 and the host is untouched", async () => {
      const f = await fixture();
      const ns = await createNetns();
      const conf = validConf(plugin, f, '1.1.0', ns.path);
      // The plugin runs inside `own`, a throwaway namespace standing in for the host: whatever a
      // broken check did would happen there, never to the real host's lo or eth0. The same
      // namespace under four names: two magic links of the plugin's own process, the bind mount, a symlink.
      const own = await createNetns();
      const link = join(await makeTempDir('nslink'), 'ns');
      symlinkSync(own.path, link);
      const ownNs = ['/proc/self/ns/net', '/proc/thread-self/ns/net', own.path, link];
      const dirs = [f.dataDir, '/var/lib/cni/results'];
      const mine = [RUN_PREFIX, f.bridge, `10.224.${f.x}.`, `dpt:${f.port}`];
      const only = (_sec: string, e: string) => mine.some((m) => e.includes(m));
      await exclusiveHost(async () => {
        const before = [await snapshotHost({ dirs }), await snapshotHost({ netns: own.name })];
        const cases = ownNs.flatMap((netns) => ['ADD', 'CHECK', 'DEL'].map((command) => ({ netns, command })));
        await pMap(cases, async ({ netns, command }) => {
          const r = await runPlugin(bin, { command, containerId: f.cid, netns, ifname: 'eth0', inNetns: own.name }, conf);
          const e = expectError(r, 8, "plugin's netns and netns from CNI_NETNS should not be the same");
          expect(e.details).toBe(netns);
        });
        const after = [await snapshotHost({ dirs }), await snapshotHost({ netns: own.name })];
        expect(diffHostState(before[0]!, after[0]!, { only })).toEqual([]);
        expect(diffHostState(before[1]!, after[1]!)).toEqual([]);
      });
      // Control: the same config on a real container netns is accepted, so the refusal above came from
      // the netns check and not from the config (and CNI_NETNS_OVERRIDE skips the check).
      const inv = { containerId: f.cid, netns: ns.path, ifname: 'eth0' };
      expectJsonSuccess(await runPlugin(bin, { command: 'ADD', ...inv }, conf));
      expectEmptySuccess(await runPlugin(bin, { command: 'DEL', ...inv }, conf));
      const over = await runPlugin(
        bin,
        { command: 'DEL', ...inv, netns: '/proc/self/ns/net', inNetns: own.name, extraEnv: { CNI_NETNS_OVERRIDE: 'TRUE' } },
        conf,
      );
      expect(over.json?.code).not.toBe(8);
    });

    it.skipIf(!haveOurBin(plugin))('unrelated env vars, CNI_ARGS with IgnoreUnknown and a multi-dir CNI_PATH do not disturb GC/STATUS', async () => {
      const f = await fixture();
      const conf = validConf(plugin, f);
      const dir = await makeTempDir('path');
      writeFileSync(join(dir, 'README'), 'not a plugin');
      const r = await runPlugin(
        bin,
        {
          command: 'STATUS',
          path: `${dir}::${OUR_BIN_DIR}`,
          args: 'IgnoreUnknown=1;K8S_POD_NAME=x;FOO=bar',
          extraEnv: { TRACEPARENT: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', CNI_UNKNOWN: 'x' },
        },
        conf,
      );
      expectEmptySuccess(r);
    });
  });
}
