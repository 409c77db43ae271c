// Bundle each CNI plugin into one self-contained, minified CommonJS script: dist/<name>.js, the
// same as a function expression for the executable (dist/<name>.fn.js), and the executable's
// main script, a launcher that loads it only for the verbs that need it (dist/<name>.launch.js).
//
//   node build/bundle.ts [--analyze] [name...]
//
// Why these choices:
// - every CNI call is a fresh process, so start-up dominates: one file (no module resolution
//   or fs lookups at run time), minified (less to parse), tree-shaken, no source map;
// - a CommonJS script, because a Node single-executable application (SEA, see package.ts) can
//   only start from a CJS main script (Node 24 has no ESM SEA entry);
// - one bundle per plugin (no shared chunk): each executable only carries its own code.
//
// The plugin entry points use top-level await (`await runPlugin(...)`), which esbuild cannot
// emit as CJS. So esbuild emits ESM, with Node builtins routed through `require` (plugin
// below) so that the output has no import/export statements left, and we wrap the result in
// an async IIFE (inside a function, see below): a plain CJS script whose top-level awaits are
// legal again.
import * as esbuild from 'esbuild';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { selectPlugins } from './plugins.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

// import.meta.url in CJS: in a SEA, __filename is the executable, which is what it means there.
const IMPORT_META_URL = '__cniImportMetaUrl';
const IMPORT_META_URL_SHIM = `var ${IMPORT_META_URL}=require("node:url").pathToFileURL(__filename).href;`;
// The bundle wrapper's parameter for the launcher's hand-over (CNI_TS_LAUNCH in shared/cni/skel.ts).
const LAUNCH = '__cniLaunch';

/**
 * `import … from 'node:fs'` → a small ESM module over `require('node:fs')`, so that the output
 * contains `require()` calls (esbuild's __require → the CJS wrapper's require) instead of import
 * statements, which could not live inside the async wrapper function. It exports the module as
 * default and each of its names (the ones the running Node has) as a binding of its own, each
 * initialised by a pure call: tree-shaking keeps only the names something imports. (A CJS stub,
 * `module.exports = require(…)`, costs more at run time: esbuild then converts it for every module
 * that imports it, copying every name of the builtin each time — 3-4 ms per call, all told.)
 * A binding that is kept is read when the stub is initialised: for a lazy property (util.aborted,
 * fs.promises) that runs its getter at start-up, but only when something imports it by name.
 */
const builtinsViaRequire: esbuild.Plugin = {
  name: 'builtins-via-require',
  setup(build) {
    const names = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/[/.]/g, '\\$&'));
    const filter = new RegExp(`^(?:node:.+|${names.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === 'builtin'
        ? { path: args.path, external: true } // the require() inside our stub module
        : { path: args.path, namespace: 'builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinStub(args.path), loader: 'js' }));
  },
};

const requireHere = createRequire(import.meta.url);

function builtinStub(id: string): string {
  const mod = requireHere(id) as Record<string, unknown>;
  const lines = [`const m = require(${JSON.stringify(id)});`, 'const get = (k) => m[k];', 'export default m;'];
  for (const key of Object.getOwnPropertyNames(mod)) {
    if (key === 'default' || !isBindingName(key)) continue;
    lines.push(`export const ${key} = /* @__PURE__ */ get(${JSON.stringify(key)});`);
  }
  return lines.join('\n');
}

function isBindingName(key: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return false;
  try {
    new Function(`let ${key};`);
    return true;
  } catch {
    return false; // a reserved word
  }
}

export async function bundle(names: readonly string[] = [], opts: { analyze?: boolean } = {}): Promise<void> {
  const plugins = selectPlugins(names);
  await mkdir(DIST, { recursive: true });
  // The repo's package.json says "type": "module", which would make `node dist/x.js` load our
  // CJS bundles as ESM (and fail on `require`). Scope dist/ back to CommonJS. (Irrelevant for
  // the SEA executables, which always run their main script as CJS.)
  await writeAtomic(path.join(DIST, 'package.json'), '{ "type": "commonjs" }\n');

  // One tag for all bundles of this build: package.ts appends it to each executable, and the
  // bridge runs host-local in-process only when the one in CNI_PATH carries the same tag.
  const tag = JSON.stringify(`cni-ts-build-id:${randomBytes(8).toString('hex')}`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    // One build, several entry points: without code splitting each output file is a complete,
    // independent bundle anyway, and esbuild parses the shared modules only once.
    entryPoints: Object.fromEntries(plugins.map((p) => [p.name, p.entry])),
    outdir: DIST,
    bundle: true,
    platform: 'node', // `node` export conditions; builtins handled by builtinsViaRequire
    format: 'esm', // only to allow top-level await; made CJS below
    target: 'node24', // the runtime embedded by package.ts: no down-levelling needed
    minify: true,
    treeShaking: true,
    sourcemap: false,
    charset: 'utf8', // don't \u-escape non-ASCII: smaller output
    // keep third-party licence comments out of the shipped file, but next to it in dist/
    legalComments: 'external',
    define: {
      // lets libraries drop development-only branches
      'process.env.NODE_ENV': '"production"',
      // ESM deps (execa & friends) may use import.meta, which is a syntax error in a CJS script
      'import.meta.url': IMPORT_META_URL,
      'import.meta.dirname': '__dirname',
      'import.meta.filename': '__filename',
      CNI_TS_BUILD_TAG: tag,
      // the launcher's hand-over: the bundle wrapper's last parameter (see below)
      CNI_TS_LAUNCH: LAUNCH,
    },
    plugins: [builtinsViaRequire],
    metafile: true,
    write: false, // post-processed below
    logLevel: 'silent', // we print messages ourselves, below
  });

  for (const w of result.warnings) {
    console.warn(esbuild.formatMessagesSync([w], { kind: 'warning' }).join(''));
  }

  for (const file of result.outputFiles) {
    if (!file.path.endsWith('.js')) {
      await writeAtomic(file.path, file.contents); // e.g. .LEGAL.txt
      continue;
    }
    const body = file.text;
    // The bundle as a function of what a CJS script has in scope, plus the launcher's hand-over
    // (shared/cni/preamble.ts Launch). ESM is strict: keep it so. Only bundles that use
    // import.meta.url pay for its shim. (async()=>{…})() rather than a sync IIFE: legal top-level
    // await; an error still ends the process with status 1 and the stack on stderr (unhandled
    // rejection), as with ESM. The function is returned so that the caller can await the entry point.
    const shim = body.includes(IMPORT_META_URL) ? IMPORT_META_URL_SHIM : '';
    const fn = `(function(require,__filename,__dirname,${LAUNCH}){"use strict";${shim}return(async()=>{${body}\n})()})`;
    // dist/<name>.fn.js: the SEA asset the launcher compiles (with the code cache of build/warm.ts);
    // dist/<name>.js: the same bundle as a script that runs alone (`node dist/<name>.js`).
    await writeScript(file.path.replace(/\.js$/, '.fn.js'), `${fn}\n`);
    await writeScript(file.path, `${fn}(require,__filename,__dirname);\n`);
  }
  await Promise.all(plugins.map((p) => bundleLauncher(p.name, tag)));

  for (const [out, info] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.js')) continue;
    console.log(`${out.padEnd(24)} ${(info.bytes / 1024).toFixed(1).padStart(8)} KiB`);
    if (opts.analyze) console.log(sizeByPackage(info.inputs));
  }
}

/**
 * dist/<name>.launch.js, the executable's main script (shared/cni/launch.ts): answers what needs no
 * plugin code, and loads dist/<name>.fn.js for the rest. Nothing in it comes from the plugin but
 * its name (build/plugins.ts; build/warm.ts checks it against the name the plugin gives runPlugin).
 */
async function bundleLauncher(name: string, tag: string): Promise<void> {
  const out = path.join(DIST, `${name}.launch.js`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    stdin: {
      contents: `import { launch } from './shared/cni/launch.ts';\nlaunch(${JSON.stringify(name)}, require, __filename, __dirname);\n`,
      resolveDir: ROOT,
      sourcefile: `${name}.launch.ts`,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    treeShaking: true,
    charset: 'utf8',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"', CNI_TS_BUILD_TAG: tag },
    plugins: [builtinsViaRequire],
    write: false,
    logLevel: 'silent',
  });
  for (const w of result.warnings) console.warn(esbuild.formatMessagesSync([w], { kind: 'warning' }).join(''));
  const text = result.outputFiles[0]?.text ?? '';
  await writeScript(out, `"use strict";(()=>{${text}\n})();\n`);
  console.log(`${path.relative(ROOT, out).padEnd(24)} ${(Buffer.byteLength(text) / 1024).toFixed(1).padStart(8)} KiB`);
}

/**
 * Catch anything that isn't valid in a CJS script (import/export statements, other import.meta
 * uses): compiling is cheap, shipping a plugin that can't even start isn't.
 */
async function writeScript(file: string, text: string): Promise<void> {
  try {
    new Script(text, { filename: file });
  } catch (err) {
    throw new Error(`${path.relative(ROOT, file)} is not a valid CJS script: ${String(err)}`);
  }
  await writeAtomic(file, text);
}

/** Builds may run concurrently in a shared work tree: never expose a half-written file. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Bytes in the output per npm package (or per repo file), largest first. */
function sizeByPackage(inputs: Record<string, { bytesInOutput: number }>): string {
  const total = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m?.[1] ?? file.replace(/^builtin:.*/, '(node builtins: require stubs)');
    total.set(key, (total.get(key) ?? 0) + bytesInOutput);
  }
  return [...total]
    .sort((a, b) => b[1] - a[1])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `    ${(n / 1024).toFixed(1).padStart(8)} KiB  ${k}`)
    .join('\n');
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--analyze');
  if (unknown.length > 0) {
    console.error(`bundle: unknown option(s) ${unknown.join(' ')}`);
    process.exit(2);
  }
  bundle(
    args.filter((a) => !a.startsWith('--')),
    { analyze: args.includes('--analyze') },
  ).catch((err: unknown) => {
    console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
