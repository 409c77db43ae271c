// Runs every plugin's package-time warming (shared/cni/warm.ts) in this process with the host-facing
// functions instrumented, and prints what warming tried to do to the host as JSON on stdout.
// Used by warm.test.ts: warming must write nothing, create nothing and execute nothing.
import fs from 'node:fs';
import cp from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const calls: string[] = [];
const fsWrites = [
  'writeFileSync',
  'writeFile',
  'appendFileSync',
  'mkdirSync',
  'mkdir',
  'rmSync',
  'rm',
  'unlinkSync',
  'unlink',
  'renameSync',
  'rename',
  'linkSync',
  'link',
  'symlinkSync',
  'symlink',
  'truncateSync',
  'chmodSync',
  'chownSync',
  'rmdirSync',
  'writeSync',
  'fsyncSync',
  'mkdtempSync',
] as const;
const f = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of fsWrites) {
  const orig = f[name]!;
  f[name] = (...a: unknown[]) => {
    if (!(name === 'writeSync' && (a[0] === 1 || a[0] === 2))) calls.push(`fs.${name} ${String(a[0])}`);
    return orig(...a);
  };
}
const origOpen = fs.openSync;
f.openSync = (p: unknown, flags: unknown, ...rest: unknown[]) => {
  const fl = typeof flags === 'number' ? flags : String(flags ?? 'r');
  const writing = typeof fl === 'number' ? (fl & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0 : /[wa+]/.test(fl);
  if (writing) calls.push(`fs.openSync(write) ${String(p)}`);
  return (origOpen as (...a: unknown[]) => number)(p, flags, ...rest);
};
const c = cp as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']) {
  const orig = c[name]!;
  c[name] = (...a: unknown[]) => {
    calls.push(`child_process.${name} ${String(a[0])}`);
    return orig(...a);
  };
}
syncBuiltinESMExports();

const envBefore = JSON.stringify(process.env);
const { warmProtocol } = await import('../../shared/cni/warm.ts');
const { warmRunner } = await import('../../shared/host/exec.ts');
const warms = await Promise.all([
  import('../../plugins/bridge/warm.ts'),
  import('../../plugins/loopback/warm.ts'),
  import('../../plugins/portmap/warm.ts'),
  import('../../ipam/host-local/warm.ts'),
  import('../../plugins/firewall/warm.ts'),
  import('../../plugins/tuning/warm.ts'),
  import('../../plugins/macvlan/warm.ts'),
  import('../../plugins/ipvlan/warm.ts'),
]);
warmProtocol();
for (const w of warms) w.warm();
await warmRunner();
if (JSON.stringify(process.env) !== envBefore) calls.push('process.env changed');
process.stdout.write(JSON.stringify(calls));
