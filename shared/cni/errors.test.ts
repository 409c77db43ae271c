import { describe, expect, it } from 'vitest';
import { settleAll } from './errors.ts';

describe('settleAll', () => {
  it('waits for every job, then fails with the first failure in list order', async () => {
    let slowDone = false;
    const slow = new Promise<void>((r) =>
      setTimeout(() => {
        slowDone = true;
        r();
      }, 20),
    );
    const late = new Promise((_, j) => setTimeout(() => j(new Error('second')), 10));
    const early = Promise.reject(new Error('third'));
    await expect(settleAll([slow, late, early])).rejects.toThrow('second');
    expect(slowDone).toBe(true);
  });
  it("resolves to the jobs' values", async () => {
    expect(await settleAll([Promise.resolve(1), Promise.resolve(2)])).toEqual([1, 2]);
  });
});
