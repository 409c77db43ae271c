// Per-phase timeline of one bridge ADD (ours, bridge + our host-local, in a fresh namespace): from
// strace's record of every execve and exit, the time from exec to the first command, each command,
// the JavaScript between commands, and from the last command's exit to the process's own exit.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, netnsAdd, netnsDel, OURS, prefix } from './measure.ts';

interface Proc {
  pid: number;
  cmd: string;
  start: number;
  end?: number;
}

/** Processes from `strace -f -ttt -e trace=execve,exit_group` output: first execve → exit. */
export function parseStrace(text: string): Proc[] {
  const procs = new Map<number, Proc>();
  for (const l of text.split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(l);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]) * 1000;
    const rest = m[3]!;
    const ex = /^execve\("([^"]+)"/.exec(rest);
    if (ex && /= 0$/.test(rest) && !procs.has(pid)) procs.set(pid, { pid, cmd: ex[1]!.replace(/^.*\//, ''), start: t });
    else if (/^\+\+\+ exited with/.test(rest) && procs.has(pid)) procs.get(pid)!.end = t;
  }
  return [...procs.values()].sort((a, b) => a.start - b.start);
}

export async function timeline(): Promise<void> {
  if ((await execa('strace', ['-V'], { reject: false })).exitCode !== 0) {
    console.log('\n(per-phase timeline skipped: strace is not installed)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cni-bench-tl-'));
  const ns = `${prefix}-tl`;
  const path = await netnsAdd(ns);
  const conf = JSON.stringify({
    cniVersion: '1.1.0',
    name: `${prefix}-tl`,
    type: 'bridge',
    bridge: `${prefix}tl`,
    isGateway: true,
    ipMasq: true,
    ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '10.63.0.0/24' }]] },
  });
  const e = (cmd: string) => env(cmd, { CNI_CONTAINERID: `${prefix}-tl`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: OURS });
  try {
    // The usual case: the bridge exists already (every ADD but its first), so the host links run
    // alongside IPAM. One untraced ADD and DEL leave it in place.
    for (const verb of ['ADD', 'DEL']) await execa(`${OURS}/bridge`, [], { env: e(verb), extendEnv: false, input: conf, reject: false });
    const out = join(dir, 'trace');
    const r = await execa('strace', ['-f', '--seccomp-bpf', '-ttt', '-q', '-e', 'trace=execve', '-e', 'signal=none', '-o', out, `${OURS}/bridge`], {
      env: e('ADD'),
      extendEnv: false,
      input: conf,
      reject: false,
    });
    await execa(`${OURS}/bridge`, [], { env: e('DEL'), extendEnv: false, input: conf, reject: false });
    if (r.exitCode !== 0) throw new Error(`bridge ADD under strace failed: ${r.stdout}`);
    const procs = parseStrace(readFileSync(out, 'utf8'));
    const main = procs[0]!;
    const kids = procs.slice(1);
    console.log('\nper-phase timeline of one bridge ADD onto an existing bridge (ours, under strace, which slows every exec a little; ms from exec):');
    let cursor = main.start;
    let js = 0;
    for (const k of kids) {
      const gap = k.start - cursor;
      if (gap > 0) {
        console.log(
          `  ${(cursor - main.start).toFixed(1).padStart(7)}  ${gap.toFixed(1).padStart(6)}  ${cursor === main.start ? 'start-up to the first command' : 'JavaScript'}`,
        );
        if (cursor !== main.start) js += gap;
      }
      console.log(`  ${(k.start - main.start).toFixed(1).padStart(7)}  ${((k.end ?? k.start) - k.start).toFixed(1).padStart(6)}  ${k.cmd}`);
      cursor = Math.max(cursor, k.end ?? k.start);
    }
    console.log(
      `  ${(cursor - main.start).toFixed(1).padStart(7)}  ${((main.end ?? cursor) - cursor).toFixed(1).padStart(6)}  last command's exit to the process's exit`,
    );
    console.log(
      `  total ${((main.end ?? cursor) - main.start).toFixed(1)} ms; start-up ${((kids[0]?.start ?? cursor) - main.start).toFixed(1)} ms; JavaScript between commands ${js.toFixed(1)} ms; ${kids.length} commands`,
    );
  } finally {
    await execa('ip', ['link', 'del', `${prefix}tl`], { reject: false });
    await netnsDel(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}
