// Our loopback driven by the upstream cnitool 1.1.2 (spec ≤ 1.0.0) through a conflist, as a runtime
// would: ADD/CHECK/DEL, libcni's result cache, and libcni's own refusal of CHECK below 0.4.0
// (containernetworking/cni `libcni/api.go`, `cnitool/`).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  OUR_BIN_DIR,
  cnitool,
  cnitoolCachePath,
  cnitoolContainerId,
  createNetns,
  haveCnitool,
  haveOurBin,
  isUp,
  link,
  makeConfDir,
  netName,
  writeConflist,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'all' });

describe.skipIf(!haveOurBin('loopback') || !haveCnitool())('loopback through cnitool 1.1.2', () => {
  it.each(['0.3.1', '0.4.0', '1.0.0'])('conflist cniVersion %s: add, check, del, result cache', async (v) => {
    const ns = await createNetns();
    const confDir = await makeConfDir();
    const name = netName();
    await writeConflist(confDir, { cniVersion: v, name, plugins: [{ type: 'loopback' }] });
    const opts = { confDir, cniPath: OUR_BIN_DIR, ifname: 'lo' };
    const cache = cnitoolCachePath(name, ns.path, 'lo');

    const add = await cnitool('add', name, ns.path, opts);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const legacy = v !== '1.0.0';
    expect(add.json).toStrictEqual({
      cniVersion: v,
      interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ns.path }],
      ips: [
        { ...(legacy ? { version: '4' } : {}), interface: 0, address: '127.0.0.1/8' },
        { ...(legacy ? { version: '6' } : {}), interface: 0, address: '::1/128' },
      ],
      dns: {},
    });
    expect(isUp(await link('lo', ns.path))).toBe(true);
    expect(existsSync(cache), cache).toBe(true);
    const cached = JSON.parse(readFileSync(cache, 'utf8'));
    expect(cached).toMatchObject({ kind: 'cniCacheV1', containerId: cnitoolContainerId(ns.path), ifName: 'lo', networkName: name });
    expect(cached.result).toStrictEqual(add.json);

    const check = await cnitool('check', name, ns.path, opts);
    if (v === '0.3.1') {
      // libcni refuses before running any plugin.
      expect(check.code).not.toBe(0);
      expect(check.stderr).toMatch(/does not support the CHECK command/);
    } else {
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout.trim()).toBe('');
    }

    const del = await cnitool('del', name, ns.path, opts);
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(del.stdout.trim()).toBe('');
    expect(isUp(await link('lo', ns.path))).toBe(false);
    expect(existsSync(cache)).toBe(false);

    // After DEL: CHECK (no cache) fails through our plugin, a second DEL succeeds.
    if (v !== '0.3.1') {
      const after = await cnitool('check', name, ns.path, opts);
      expect(after.code).not.toBe(0);
      expect(after.stderr).toMatch(/loopback interface is down/);
    }
    const again = await cnitool('del', name, ns.path, opts);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});
