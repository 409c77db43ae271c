// The start-up path per verb (shared/cni/launch.ts): an executable's launcher answers VERSION, the
// about text and unknown commands without loading its plugin, and must answer them byte for byte as
// the plugin's own skeleton does (the same bundle run alone on Node, dist/<name>.js). ADD without its
// variables goes through the plugin loaded from the executable's assets, so it checks the loading.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGINS } from '../../build/plugins.ts';
import { haveOurBin, ourBin, run, REPO_ROOT } from '../lib/index.ts';

const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');

const CALLS: Array<{ what: string; env: Record<string, string>; input: string }> = [
  { what: 'VERSION, config on stdin', env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"0.4.0","name":"n","type":"x"}' },
  { what: 'VERSION, bad stdin, the other variables set', env: { CNI_COMMAND: 'VERSION', CNI_NETNS: 'x', CNI_IFNAME: 'y', CNI_PATH: 'z' }, input: '{bad' },
  { what: 'no CNI_COMMAND', env: {}, input: '' },
  { what: 'unknown command', env: { CNI_COMMAND: 'version' }, input: '' },
  { what: 'ADD without its variables', env: { CNI_COMMAND: 'ADD' }, input: '{}' },
  { what: 'DEL, bad config', env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' }, input: '{bad' },
];

describe('start-up path per verb', () => {
  for (const { name } of PLUGINS) {
    it.skipIf(!haveOurBin(name) || !existsSync(join(REPO_ROOT, 'dist', `${name}.js`)))(
      `${name}: the executable answers as its bundle run alone does`,
      async () => {
        for (const c of CALLS) {
          const opts = { env: c.env, extendEnv: false, input: c.input, cwd: '/' };
          const [exe, alone] = await Promise.all([run(ourBin(name), [], opts), run(NODE, [join(REPO_ROOT, 'dist', `${name}.js`)], opts)]);
          expect({ code: exe.code, stdout: exe.stdout, stderr: exe.stderr }, c.what).toEqual({ code: alone.code, stdout: alone.stdout, stderr: alone.stderr });
          expect(exe.stdout + exe.stderr, c.what).not.toBe('');
        }
      },
    );
  }
});
