import { describe, expect, it } from 'vitest';
import { commandError, saysNotFound } from './exec.ts';
import { Code, CniError, wrap } from '../cni/errors.ts';

describe('command errors', () => {
  it('say what failed and why, or the exit status when stderr is empty', () => {
    expect(commandError('nft failed', { exitCode: 1, stdout: '', stderr: 'Error: syntax\n' }).message).toBe('nft failed: Error: syntax');
    const e = commandError('iptables-restore failed', { exitCode: 2, stdout: '', stderr: '' });
    expect(e.message).toBe('iptables-restore failed: exit status 2');
    expect(e.code).toBe(Code.Internal);
  });
  it('tell a missing object from other failures', () => {
    expect(saysNotFound({ stderr: 'Cannot find device "eth9"' })).toBe(true);
    expect(saysNotFound({ stderr: 'Error: No such file or directory\nlist table inet x' })).toBe(true);
    expect(saysNotFound({ stderr: 'RTNETLINK answers: Operation not permitted' })).toBe(false);
  });
  it('wrap keeps code, details and cause', () => {
    const inner = new CniError(Code.IoFailure, 'disk', 'full');
    const w = wrap('failed to save', inner);
    expect([w.code, w.message, w.details, w.cause]).toEqual([Code.IoFailure, 'failed to save: disk', 'full', inner]);
  });
});
