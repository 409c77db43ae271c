// Every verb at every spec version, by direct invocation of our loopback in a fresh namespace,
// next to the reference 1.1.1 (spec "CNI operations" and "Section 5: Result Types"). The
// reference is only followed where it is spec-correct: 1.1.1 prints a 1.0-shaped result for every
// version (no ips[].version for 0.3/0.4, no ip4/ip6 for 0.1/0.2), knows no 1.1.0, and answers
// GC/STATUS with "unknown CNI_COMMAND" (1.1.1 is built on containernetworking/cni v1.0.1, whose `pkg/skel/skel.go` predates GC/STATUS).
import { describe, expect, it } from 'vitest';
import { containerId, createNetns, haveOurBin, isUp, link, netName, ourBin, refBin, refCniPath, runPlugin, type Netns } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { VERSIONS, VERSION_OBJECT, cmpVersion, expectEmptySuccess, expectError, expectJsonSuccess, type SpecVersion } from '../skeleton/helpers.ts';

useCleanup({ scope: 'all' });

const OURS = ourBin('loopback');
const REF = refBin('loopback');

/** The spec-correct ADD result of loopback for a fresh namespace, in version v (spec "Section 5: Result Types"; SPEC.md at the spec-v0.x tags for the older shapes). */
function expectedAdd(v: SpecVersion, netns: string): Record<string, unknown> {
  if (cmpVersion(v, '0.3.0') < 0) {
    return { cniVersion: v, ip4: { ip: '127.0.0.1/8' }, ip6: { ip: '::1/128' }, dns: {} };
  }
  const legacy = cmpVersion(v, '1.0.0') < 0;
  return {
    cniVersion: v,
    interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: netns }],
    ips: [
      { ...(legacy ? { version: '4' } : {}), interface: 0, address: '127.0.0.1/8' },
      { ...(legacy ? { version: '6' } : {}), interface: 0, address: '::1/128' },
    ],
    dns: {},
  };
}

/** Key order as Go's encoding/json prints the result structs (containernetworking/cni `pkg/types/100/types.go`, `pkg/types/040/types.go`). */
function keyOrder(o: Record<string, any>): string[] {
  const out = [Object.keys(o).join(',')];
  for (const ip of o.ips ?? []) out.push(Object.keys(ip).join(','));
  for (const i of o.interfaces ?? []) out.push(Object.keys(i).join(','));
  return out;
}

async function run(bin: string, ns: Netns, command: string, conf: object, ifname = 'lo', cid = 'x') {
  return runPlugin(bin, { command, containerId: cid, netns: ns.path, ifname, path: refCniPath() }, conf);
}

describe.skipIf(!haveOurBin('loopback'))('loopback: every verb at every version', () => {
  it.each(VERSIONS)('cniVersion %s', async (v) => {
    const [ns, refNs] = await Promise.all([createNetns(), createNetns()]);
    const cid = containerId();
    const conf = { cniVersion: v, name: netName(), type: 'loopback' };
    expect(isUp(await link('lo', ns.path))).toBe(false);

    // VERSION does not depend on the config version.
    expect(expectJsonSuccess(await runPlugin(OURS, { command: 'VERSION' }, { cniVersion: v }))).toStrictEqual(VERSION_OBJECT);

    // ADD: shape per version, cniVersion echoed.
    const add = await run(OURS, ns, 'ADD', conf, 'lo', cid);
    const result = expectJsonSuccess(add);
    expect(result).toStrictEqual(expectedAdd(v, ns.path));
    expect(keyOrder(result)).toEqual(keyOrder(expectedAdd(v, ns.path)));
    expect(add.stdout).toBe(JSON.stringify(result, null, 4)); // Go's 4-space indent, no trailing newline
    expect(isUp(await link('lo', ns.path))).toBe(true);

    // Reference: same addresses and interfaces (its shape is wrong below 1.0.0), identical bytes at 1.0.0.
    const refAdd = await run(REF, refNs, 'ADD', conf, 'lo', cid);
    if (v === '1.1.0') {
      expectError(refAdd, 1, 'incompatible CNI versions');
    } else {
      const ref = expectJsonSuccess(refAdd);
      expect(ref.cniVersion).toBe(v);
      const refAddrs = (ref.ips as Array<{ address: string }>).map((i) => i.address);
      if (result.ips) expect((result.ips as Array<{ address: string }>).map((i) => i.address)).toEqual(refAddrs);
      else expect([result.ip4.ip, result.ip6.ip]).toEqual(refAddrs);
      if (v === '1.0.0') expect(add.stdout).toBe(refAdd.stdout.replaceAll(refNs.path, ns.path));
    }

    // CHECK (prevResult = ADD output): from 0.4.0 only; code 1 below, like the reference.
    const checkConf = { ...conf, prevResult: result };
    const check = await run(OURS, ns, 'CHECK', checkConf, 'lo', cid);
    if (cmpVersion(v, '0.4.0') < 0) {
      const e = expectError(check, 1, 'config version does not allow CHECK');
      if (v !== '0.1.0' && v !== '0.2.0') {
        // 1.1.1 fails to parse its own 0.x prevResult shape at 0.1/0.2; at 0.3.x it agrees with us.
        const refE = expectError(await run(REF, refNs, 'CHECK', { ...conf, prevResult: expectJsonSuccess(refAdd) }, 'lo', cid));
        expect({ code: refE.code, msg: refE.msg }).toEqual({ code: e.code, msg: e.msg });
      }
    } else {
      expectEmptySuccess(check);
      if (v !== '1.1.0') expectEmptySuccess(await run(REF, refNs, 'CHECK', { ...conf, prevResult: expectJsonSuccess(refAdd) }, 'lo', cid));
    }

    // STATUS / GC: 1.1.0 only; code 1 below (the 1.1.1 reference says code 4 "unknown CNI_COMMAND").
    for (const command of ['STATUS', 'GC']) {
      const gcConf = command === 'GC' ? { ...conf, 'cni.dev/valid-attachments': [] } : conf;
      const r = await runPlugin(OURS, { command }, gcConf);
      if (v === '1.1.0') expectEmptySuccess(r);
      else expectError(r, 1, `config version does not allow ${command}`);
      // (1.1.1's skel wants the attachment variables even for a verb it does not know.)
      const ref = await runPlugin(REF, { command, containerId: cid, netns: refNs.path, ifname: 'lo', path: refCniPath() }, gcConf);
      expectError(ref, 4, `unknown CNI_COMMAND: ${command}`);
    }
    // GC/STATUS did not touch the attachment.
    expect(isUp(await link('lo', ns.path))).toBe(true);

    // DEL with prevResult: lo down, like the reference.
    expectEmptySuccess(await run(OURS, ns, 'DEL', checkConf, 'lo', cid));
    expect(isUp(await link('lo', ns.path))).toBe(false);
    if (v !== '1.1.0') {
      expectEmptySuccess(await run(REF, refNs, 'DEL', conf, 'lo', cid));
      expect(isUp(await link('lo', refNs.path))).toBe(false);
    }

    // CHECK after DEL: lo is down → error (same message as the reference).
    if (cmpVersion(v, '0.4.0') >= 0) {
      const e = expectError(await run(OURS, ns, 'CHECK', checkConf, 'lo', cid), 999, 'loopback interface is down');
      if (v !== '1.1.0') {
        const refE = expectError(await run(REF, refNs, 'CHECK', { ...conf, prevResult: expectJsonSuccess(refAdd) }, 'lo', cid));
        expect(refE.msg).toBe(e.msg);
      }
    }
    // DEL again, now without prevResult.
    expectEmptySuccess(await run(OURS, ns, 'DEL', conf, 'lo', cid));
  });

  it('a config without cniVersion is 0.1.0: ip4/ip6 result labelled 0.1.0, as the Go plugins print it', async () => {
    const ns = await createNetns();
    const r = await run(OURS, ns, 'ADD', { name: netName(), type: 'loopback' });
    // The reference host-local, given no cniVersion, prints "cniVersion": "0.1.0".
    expect(expectJsonSuccess(r)).toStrictEqual(expectedAdd('0.1.0', ns.path));
    expectError(await run(OURS, ns, 'CHECK', { name: netName(), type: 'loopback' }), 1, 'config version does not allow CHECK');
  });
});
