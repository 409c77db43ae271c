// The bridge runs host-local's code in-process only when the host-local found in CNI_PATH is the
// executable of the same build (its trailing build tag matches); anything else is exec'd.
import { chmodSync, copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bridgeName, containerId, createNetns, haveOurBin, ipamDataDir, makeTempDir, netName, ourBin, runPlugin, trackLink } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup();

async function addDel(cniPath: string, subnet: string) {
  const ns = await createNetns();
  const dataDir = await ipamDataDir();
  const br = bridgeName();
  trackLink(br);
  const conf = { cniVersion: '1.0.0', name: netName(), type: 'bridge', bridge: br, ipam: { type: 'host-local', subnet, dataDir } };
  const env = { containerId: containerId(), netns: ns.path, ifname: 'eth0', path: cniPath };
  const add = await runPlugin(ourBin('bridge'), { command: 'ADD', ...env }, conf);
  const leases = readdirSync(join(dataDir, conf.name)).filter((f) => /^\d/.test(f));
  const del = await runPlugin(ourBin('bridge'), { command: 'DEL', ...env }, conf);
  return { add, del, leases };
}

describe.skipIf(!haveOurBin('bridge') || !haveOurBin('host-local'))('bridge → host-local linking', () => {
  it('runs host-local of the same build in-process (a non-executable copy still serves)', async () => {
    const dir = await makeTempDir('ipam-link');
    copyFileSync(ourBin('host-local'), join(dir, 'host-local'));
    chmodSync(join(dir, 'host-local'), 0o644); // exec would fail with EACCES
    const r = await addDel(dir, '10.203.1.0/24');
    expect(r.add.code, r.add.stdout).toBe(0);
    expect(r.leases).toEqual(['10.203.1.2']);
    expect(r.del.code, r.del.stdout).toBe(0);
  });

  it('execs any other host-local: a wrapper script is run, and its failure is reported', async () => {
    const dir = await makeTempDir('ipam-exec');
    const marker = join(dir, 'ran');
    // A wrapper is not our build (no tag at its end): the bridge must run it as a program.
    writeFileSync(join(dir, 'host-local'), `#!/bin/sh\necho "$CNI_COMMAND" >> ${marker}\nexec ${ourBin('host-local')}\n`, { mode: 0o755 });
    const r = await addDel(dir, '10.203.2.0/24');
    expect(r.add.code, r.add.stdout).toBe(0);
    expect(r.leases).toEqual(['10.203.2.2']);
    expect(r.del.code, r.del.stdout).toBe(0);
    expect(existsSync(marker)).toBe(true);

    // A copy with a different build tag is exec'd too: made non-executable, it must fail.
    const other = await makeTempDir('ipam-other');
    copyFileSync(ourBin('host-local'), join(other, 'host-local'));
    writeFileSync(join(other, 'host-local'), '\ncni-ts-build-id:0000000000000000:host-local\n', { flag: 'a' });
    chmodSync(join(other, 'host-local'), 0o644);
    const bad = await addDel(other, '10.203.3.0/24').catch((e: Error) => ({ add: { code: -1, stdout: String(e) }, del: undefined, leases: [] as string[] }));
    expect(bad.add.code).not.toBe(0);
    expect(bad.leases).toEqual([]);
  });
});
