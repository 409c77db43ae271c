// Install the packaged plugins: copy dist/bin/* into a CNI bin directory.
//
//   node build/install.ts [DIR]        (default /opt/cni/bin; created if missing)
//
// Each file is written under a temporary name in DIR itself (same filesystem), fsync'ed,
// chmod 0755, then rename()d over the final name. rename is atomic, so a container runtime
// exec'ing the plugin concurrently sees either the old or the new executable, never a
// half-written one; a process still running the old file keeps its inode. (Copying in place
// would also fail with ETXTBSY while the old binary runs.)
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'dist/bin');

async function fsync(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function installOne(name: string, dir: string): Promise<void> {
  const dest = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  try {
    // FICLONE: reflink where the filesystem can (instant for ~100 MB files), copy otherwise
    await copyFile(path.join(SRC, name), tmp, constants.COPYFILE_FICLONE);
    await chmod(tmp, 0o755); // explicit: independent of umask and of the source's mode
    await fsync(tmp); // data on disk before the name points at it (crash safety)
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv.length > 1 || argv[0]?.startsWith('-')) {
    throw new Error('usage: node build/install.ts [DIR]   (default /opt/cni/bin)');
  }
  const dir = path.resolve(argv[0] ?? '/opt/cni/bin');
  const names = (await readdir(SRC, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new Error(`nothing to install in ${SRC}: run \`npm run build\` first`);

  // 0755 even under a restrictive umask: the runtime (or an unprivileged `cnitool`) must be able
  // to traverse it. Only directories we create are touched.
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) {
    for (let d = dir; d.length >= created.length; d = path.dirname(d)) await chmod(d, 0o755);
  }
  for (const name of names) {
    await installOne(name, dir);
    console.log(`installed ${path.join(dir, name)}`);
  }
  await fsync(dir); // persist the renames themselves
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`install: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
