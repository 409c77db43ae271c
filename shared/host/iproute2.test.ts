import { describe, expect, it } from 'vitest';
import { batchFailure, line } from './iproute2.ts';

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
