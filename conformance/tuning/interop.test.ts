// Switching implementations loses nothing: what one ADD saved, the other's DEL restores.
import { describe, expect, it } from 'vitest';
import { haveOurBin, refBin, ourBin } from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { call, conf, makeEnv, snapshot } from './helpers.ts';

useCleanup({ scope: 'all' });

const EXTRA = { mac: '02:00:00:00:77:01', mtu: 1420, promisc: true, allmulti: true };

describe.skipIf(!haveOurBin('tuning'))('tuning interop', () => {
  it.each([
    ['ours ADD, ref DEL', ourBin('tuning'), refBin('tuning')],
    ['ref ADD, ours DEL', refBin('tuning'), ourBin('tuning')],
  ])('%s restores the link and removes the file', async (_t, addBin, delBin) => {
    const e = await makeEnv('ours');
    const before = await snapshot(e);
    const c = conf(e, EXTRA);
    const add = await call(e, 'ADD', c, { bin: addBin });
    expect(add.code, add.stdout).toBe(0);
    const mid = await snapshot(e);
    expect(mid.link).toMatchObject({ address: '02:00:00:00:77:01', mtu: 1420, promiscuity: 1, allmulti: 1 });
    expect(Object.keys(mid.files)).toEqual(['CID_eth0.json']);
    // CHECK of the other implementation accepts what this one set.
    const check = await call(e, 'CHECK', { ...c, prevResult: add.json }, { bin: delBin });
    expect(check.code, check.stdout).toBe(0);
    const del = await call(e, 'DEL', c, { bin: delBin });
    expect(del.code, del.stdout).toBe(0);
    expect(await snapshot(e)).toEqual(before);
  });
});
