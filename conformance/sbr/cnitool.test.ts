// bridge + host-local + sbr through cnitool, in a namespace standing in for the node. The
// reference's bridge CHECK looks for the gateway route in the main table, which sbr has emptied,
// so its CHECK of this chain always fails; ours follows the routes into sbr's table.
import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  cnitool,
  createNetns,
  haveCnitool,
  haveOurBin,
  ipamDataDir,
  makeConfDir,
  mixedCniPath,
  must,
  netName,
  nextId,
  refBin,
  writeConflist,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';

useCleanup({ scope: 'each' });

const ready = haveCnitool() && ['bridge', 'host-local', 'sbr'].every(haveOurBin);

describe.skipIf(!ready)('sbr after bridge (cnitool)', () => {
  it.each(['ours', 'ref'] as const)('%s: ADD, CHECK, DEL of bridge + host-local + sbr', async (impl) => {
    const node = await createNetns(`node${nextId()}`);
    const ctr = await createNetns(`ctr${nextId()}`);
    const name = netName();
    const confDir = await makeConfDir();
    const subnet = impl === 'ours' ? '10.163.10.0/24' : '10.163.11.0/24';
    await writeConflist(confDir, {
      cniVersion: '1.0.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge: bridgeName(),
          isGateway: true,
          ipam: { type: 'host-local', dataDir: await ipamDataDir(), ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'sbr' },
      ],
    });
    const cniPath = impl === 'ours' ? undefined : await mixedCniPath({ bridge: 'ref', 'host-local': 'ref', sbr: refBin('sbr') });
    const opts = { confDir, inNetns: node.name, ...(cniPath ? { cniPath } : {}) };
    const add = await cnitool('add', name, ctr.path, opts);
    expect(add.code, add.stderr).toBe(0);
    expect(await must('ip', ['-n', ctr.name, 'rule'])).toMatch(/lookup 100/);
    const check = await cnitool('check', name, ctr.path, opts);
    if (impl === 'ours') expect(check.code, check.stderr + check.stdout).toBe(0);
    else expect(check.stdout + check.stderr).toMatch(/Failed to find Gateway|not found in routing table/);
    const del = await cnitool('del', name, ctr.path, opts);
    expect(del.code, del.stderr).toBe(0);
    expect(await must('ip', ['-n', ctr.name, 'rule'])).not.toMatch(/lookup 100/);
  });
});
