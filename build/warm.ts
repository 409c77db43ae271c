// Package-time warming (build/README.md): run a plugin bundle's call path on samples
// (runPlugin() in shared/cni/skel.ts calls shared/cni/warm.ts and the plugin's warm()), then take
// the V8 code cache of the bundle. V8 caches the functions compiled by then, so a real call
// starts with its path compiled. A code cache holds code, not a heap: nothing warming computed
// or read reaches a call.
//
//   node build/warm.ts dist/<name>.fn.js OUT   writes the cache to OUT, prints the plugin's name
//
// package.ts runs this on the Node that gets embedded, with no flags and no NODE_OPTIONS: V8
// accepts a cache only from the same version with the same flags (otherwise it compiles afresh).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import type { Launch, PluginMain } from '../shared/cni/preamble.ts';

/** Warm the bundle `file` (a dist/<name>.fn.js) in this process; its name and code cache. */
export async function warmBundle(file: string, req: NodeJS.Require = createRequire(file)): Promise<{ name: string; cache: Buffer }> {
  const script = new Script(readFileSync(file, 'utf8'), { filename: file });
  const launch: Launch = { warm: true };
  await (script.runInThisContext() as PluginMain)(req, file, path.dirname(file), launch);
  if (launch.name === undefined) throw new Error(`${file}: the bundle never reached runPlugin()`);
  return { name: launch.name, cache: script.createCachedData() };
}

if (import.meta.main) {
  const [file, out] = process.argv.slice(2);
  if (!file || !out) {
    console.error('usage: node build/warm.ts dist/<name>.fn.js OUT');
    process.exit(2);
  }
  const { name, cache } = await warmBundle(path.resolve(file));
  writeFileSync(out, cache);
  process.stdout.write(`${name}\n`);
}
