// The start-up path per verb. Each executable's main script is a tiny launcher (build/bundle.ts
// makes one per plugin): what needs no plugin code (VERSION, the about text, an unknown command)
// is answered right away; every other verb loads the plugin's bundle from a SEA asset with the
// code cache made at package time after warming (build/warm.ts, build/README.md).
import { writeSync } from 'node:fs';
import { CACHE_ASSET, PLUGIN_ASSET, preamble, type Answer, type PluginMain } from './preamble.ts';

/** The executable's main script: `launch("bridge", require, __filename, __dirname)`. */
export function launch(name: string, req: NodeJS.Require, filename: string, dirname: string): void {
  // Arguments name a plugin's subcommand (`dhcp daemon`): the plugin decides (skel.ts runPlugin).
  const early = process.argv.length > 2 ? undefined : preamble(name, process.env.CNI_COMMAND ?? '');
  if (typeof early === 'object') {
    answer(early);
    return;
  }
  // Compiled functions come from the cache (V8 checks it against the source and its own version
  // and flags, and compiles afresh if it doesn't match): no parsing of the warmed paths.
  // node:sea and node:vm are required here, not imported: the early answers never load them.
  const { getAsset, getRawAsset } = req('node:sea') as typeof import('node:sea');
  const { Script } = req('node:vm') as typeof import('node:vm');
  const script = new Script(getAsset(PLUGIN_ASSET, 'utf8'), { filename, cachedData: new Uint8Array(getRawAsset(CACHE_ASSET)) });
  void (script.runInThisContext() as PluginMain)(req, filename, dirname);
}

/**
 * Write synchronously and exit: no stream is set up for a few bytes. A pipe that is full or
 * non-blocking (EAGAIN) gets the rest through the stream, as a plugin's output does.
 */
function answer({ fd, text, code }: Answer): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
      process.exitCode = code;
      (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off), () => process.exit());
      return;
    }
    throw e;
  }
  process.exit(code);
}
