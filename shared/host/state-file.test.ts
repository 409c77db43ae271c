import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeState, writeState } from './state-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'state-file-'));
  dirs.push(d);
  return d;
};

describe('state files', () => {
  it("removeState takes the temp files of killed writers, keeps a running writer's and other attachments'", () => {
    const d = dir();
    const file = join(d, 'cid_eth0.json');
    writeState(d, file, '{}');
    // pid 2^22 + 1 is above Linux's pid_max limit: never a running process.
    writeFileSync(`${file}.tmp-4194305`, '');
    writeFileSync(`${file}.tmp-1`, ''); // pid 1 is running
    writeFileSync(join(d, 'cid_eth1.json.tmp-4194305'), '');
    removeState(file);
    expect(readdirSync(d).sort()).toEqual(['cid_eth0.json.tmp-1', 'cid_eth1.json.tmp-4194305']);
  });

  it('removeState without the file or its directory is no error', () => {
    const d = dir();
    removeState(join(d, 'none.json'));
    removeState(join(d, 'missing', 'none.json'));
    expect(existsSync(join(d, 'missing'))).toBe(false);
  });
});
