import { describe, expect, it } from 'vitest';
import { batchFailure, ipSession, line, parseLinks } from './iproute2.ts';

describe('ip batches', () => {
  it('batchFailure: the failed line (0-based) and the first real error line', () => {
    expect(batchFailure('RTNETLINK answers: File exists\nCommand failed -:3\n')).toEqual({ index: 2, message: 'RTNETLINK answers: File exists' });
    expect(batchFailure('Error: argument "x" is wrong\n')).toEqual({ index: -1, message: 'Error: argument "x" is wrong' });
  });
  it('line() refuses tokens that would break the script', () => {
    expect(line('link', 'set', 'dev', 'eth0', 'up')).toBe('link set dev eth0 up');
    expect(() => line('link', 'set', 'dev', 'eth0\nlink del lo')).toThrow(/refusing/);
    expect(() => line('addr', 'add', '10.0.0.1/24 dev lo')).toThrow(/refusing/);
  });
});

// Real `ip` processes, read-only lines: the session's protocol is ip's own behaviour (a JSON line per
// showing command, flushed at once; the batch stops at the first failure).
describe('ip sessions', () => {
  it('answer a show line before the rest is written; a failure in the finishing lines is counted from them', async () => {
    const s = await ipSession({ details: true });
    const shown = await s.show(line('link', 'show', 'dev', 'lo'));
    expect(parseLinks(shown ?? []).map((l) => l.ifname)).toEqual(['lo']);
    const r = await s.finish([line('link', 'show', 'dev', 'lo'), line('link', 'show', 'dev', 'cni-ts-nowhere0')]);
    expect(r.exitCode).not.toBe(0);
    expect(batchFailure(r.stderr)).toEqual({ index: 1, message: 'Device "cni-ts-nowhere0" does not exist.' });
    expect(await s.finish([])).toEqual(r); // a second finish only waits
  });
  it('a failed show stops the batch: no answer, and finish says why', async () => {
    const s = await ipSession();
    expect(await s.show(line('link', 'show', 'dev', 'cni-ts-nowhere0'))).toBeUndefined();
    const r = await s.finish([line('link', 'show', 'dev', 'lo')]);
    expect([r.exitCode, r.stdout, batchFailure(r.stderr).message]).toEqual([1, '', 'Device "cni-ts-nowhere0" does not exist.']);
  });
  it('opened ahead and finished later, it runs the lines then', async () => {
    const s = await ipSession();
    await new Promise((r) => setTimeout(r, 50));
    const r = await s.finish([line('link', 'show', 'dev', 'lo')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/"ifname":"lo"/);
  });
});
