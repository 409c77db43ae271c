// host-device, ours against Debian's Go reference (/usr/lib/cni/host-device 1.1.1), from the same
// conflist, each on its own node/container/LAN namespaces: results, the container's links,
// addresses and routes, the node's links after ADD and after DEL, CHECK. Where the reference falls
// short (the device comes back DOWN, a second DEL fails, a route without gw fails CHECK), the
// expectation says so and ours is held to the better behaviour.
import { describe, expect, it } from 'vitest';
import { haveOurBin, refBin } from '../lib/index.ts';
import { existsSync } from 'node:fs';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, DEV_MAC, ipam, IMPLS, linksOf, makeEnv, normResult, ok, snapshot, type Env } from './helpers.ts';

useCleanup();

const A = { ref: 130, ours: 131 } as const;

async function both(b: number, extra: (e: Env) => Record<string, unknown>, cniVersion = '1.0.0') {
  const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, A[i], b)));
  const confs = envs.map((e) => conf(e, extra(e), cniVersion));
  const results = await Promise.all(envs.map((e, i) => ok(e, 'ADD', confs[i])));
  return { envs, confs, results };
}

describe.skipIf(!haveOurBin('host-device') || !existsSync(refBin('host-device')))('host-device: ours vs the reference', { timeout: 180_000 }, () => {
  it.each([
    ['by name, layer 2 only', 1, () => ({})],
    ['by name, host-local v4 + v6 with a route without gw', 2, (e: Env) => ipam(e, true)],
    ['by MAC (hwaddr), host-local v4', 3, (e: Env) => ({ device: undefined, hwaddr: DEV_MAC.toUpperCase(), ...ipam(e) })],
  ])('%s: same result, same container, same node; DEL gives the device back', async (_t, b, extra) => {
    const { envs, confs, results } = await both(b, extra);
    const [ref, ours] = envs as [Env, Env];
    expect(normResult(ours, results[1])).toEqual(normResult(ref, results[0]));
    expect(await snapshot(ours)).toEqual(await snapshot(ref));
    // The container has the device under CNI_IFNAME with its node name in the alias; the node has it no more.
    const c = (await linksOf(ours.ctr))[0];
    expect(c).toMatchObject({ name: 'eth0', alias: ours.dev, mac: DEV_MAC, up: true });
    expect(await linksOf(ours.node)).toEqual([]);

    // CHECK: the reference fails on a route given without gw (ADD installed it via the gateway).
    const withPrev = confs.map((c, i) => ({ ...c, prevResult: results[i] }));
    const chk = await Promise.all(envs.map((e, i) => call(e, 'CHECK', withPrev[i])));
    expect(chk[1]!.code, chk[1]!.stdout).toBe(0);
    if (b !== 1) expect(chk[0]!.json?.msg).toMatch(/Expected Route \{Dst:\{IP:192\.0\.2\.0 .* not found/);
    else expect(chk[0]!.code, chk[0]!.stdout).toBe(0);

    await Promise.all(envs.map((e, i) => ok(e, 'DEL', withPrev[i])));
    const after = await Promise.all(envs.map((e) => linksOf(e.node)));
    for (const [i, e] of envs.entries())
      expect(
        after[i]!.map((l) => l.name),
        e.impl,
      ).toEqual([e.dev]);
    expect(after[1]![0]).toMatchObject({ name: ours.dev, mac: DEV_MAC, alias: '', up: true });
    // The reference returns it DOWN though it was UP before ADD, and (1.1.1) leaves the alias set.
    expect(after[0]![0]).toMatchObject({ name: ref.dev, mac: DEV_MAC, alias: ref.dev, up: false });
    expect(await linksOf(ours.ctr)).toEqual([]);

    // A second DEL: the reference fails (`failed to find "eth0"`), ours has nothing left to do.
    const again = await Promise.all(envs.map((e, i) => call(e, 'DEL', withPrev[i])));
    expect(again[0]!.json?.msg).toMatch(/failed to find "eth0"/);
    expect(again[1]!.code, again[1]!.stdout).toBe(0);
  });

  it('a device that was DOWN comes back DOWN from both', async () => {
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, A[i], 4, { up: false })));
    for (const e of envs) await ok(e, 'ADD', conf(e));
    expect((await linksOf(envs[1]!.ctr))[0]?.up).toBe(true);
    for (const e of envs) await ok(e, 'DEL', conf(e));
    const after = await Promise.all(envs.map((e) => linksOf(e.node)));
    expect(after.map((a) => a[0]?.up)).toEqual([false, false]);
  });

  it('spec 0.3.1 and 0.4.0 results are shaped as the reference', async () => {
    for (const [b, v] of [
      [5, '0.3.1'],
      [6, '0.4.0'],
    ] as const) {
      const { envs, results } = await both(b, (e) => ipam(e), v);
      expect(normResult(envs[1]!, results[1])).toEqual(normResult(envs[0]!, results[0]));
      for (const e of envs) await ok(e, 'DEL', conf(e, ipam(e), v));
    }
  });

  it('a device that does not exist: both refuse, nothing changes', async () => {
    const envs = await Promise.all(IMPLS.map((i) => makeEnv(i, A[i], 7)));
    const before = await Promise.all(envs.map((e) => snapshot(e)));
    const rs = await Promise.all(envs.map((e) => call(e, 'ADD', conf(e, { device: 'nosuchdev0', ...ipam(e) }))));
    expect(rs.map((r) => r.code)).toEqual([1, 1]);
    expect(rs[0]!.json.msg).toMatch(/failed to find host device/);
    expect(rs[1]!.json.msg).toMatch(/failed to find host device: device: no link named "nosuchdev0"/);
    expect(await Promise.all(envs.map((e) => snapshot(e)))).toEqual(before);
  });
});
