// Runs inside a host stand-in namespace (started by suites.ts through `ip netns exec`), so that the
// firewall plugin's chains never reach the real host's filter table and the timings include no
// namespace switch: the firewall plugin by itself, and the chain bridge+host-local+firewall through
// cnitool, ours against the reference, interleaved. Prints the rows as JSON.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, median, must, netnsAdd, netnsDel, writeConflist, type Exec, type Row } from './measure.ts';

type Who = 'ours' | 'ref';
const [prefix, runs, ours, ref, cnitool] = [process.argv[2]!, Number(process.argv[3]), process.argv[4]!, process.argv[5]!, process.argv[6]!];
const DIRS: Record<Who, string> = { ours, ref };
const OCTET: Record<Who, number> = { ours: 61, ref: 62 };
const order = (i: number): Who[] => (i % 2 ? ['ref', 'ours'] : ['ours', 'ref']);

/** The firewall plugin alone: dual-stack prevResult, same-bridge, as podman's chain has it. */
async function direct(rows: Row[]): Promise<void> {
  const ns = `${prefix}-fwc`;
  const path = await netnsAdd(ns);
  try {
    const add: Record<Who, number[]> = { ours: [], ref: [] };
    const del: Record<Who, number[]> = { ours: [], ref: [] };
    for (let i = 0; i < runs; i++) {
      for (const who of order(i)) {
        const conf = JSON.stringify({
          cniVersion: '1.0.0',
          name: `${prefix}-fw-${who}`,
          type: 'firewall',
          backend: 'iptables',
          ingressPolicy: 'same-bridge',
          prevResult: {
            cniVersion: '1.0.0',
            interfaces: [{ name: `${prefix}${who[0]}fb` }, { name: 'eth0', sandbox: path }],
            ips: [
              { interface: 1, address: `10.201.${OCTET[who]}.${i + 2}/24` },
              { interface: 1, address: `fd01:201:${OCTET[who]}::${i + 2}/64` },
            ],
          },
        });
        const call = (cmd: string): Exec => ({
          bin: `${DIRS[who]}/firewall`,
          env: env(cmd, { CNI_CONTAINERID: `${prefix}-fw-${i}`, CNI_NETNS: path, CNI_IFNAME: 'eth0', CNI_PATH: DIRS[who] }),
          stdin: conf,
        });
        add[who].push(await must(call('ADD')));
        del[who].push(await must(call('DEL')));
      }
    }
    rows.push({ op: 'firewall ADD (dual-stack, same-bridge)', ours: median(add.ours), ref: median(add.ref), runs });
    rows.push({ op: 'firewall DEL (dual-stack, same-bridge)', ours: median(del.ours), ref: median(del.ref), runs });
  } finally {
    await netnsDel(ns);
  }
}

/** bridge + host-local + firewall through cnitool, each implementation's own plugins. */
async function chain(rows: Row[]): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'cni-bench-fw-'));
  const conf: Record<Who, { dir: string; net: string }> = { ours: { dir: '', net: '' }, ref: { dir: '', net: '' } };
  for (const who of ['ours', 'ref'] as Who[]) {
    const dir = mkdtempSync(join(tmpdir(), `cni-bench-fwconf-${who}-`));
    const net = `${prefix}-fwch-${who}`;
    conf[who] = writeConflist(dir, net, [
      {
        type: 'bridge',
        bridge: `${prefix}${who[0]}fc`,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: `10.201.${OCTET[who]}.0/24` }], [{ subnet: `fd01:201:${OCTET[who]}::/64` }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: data,
        },
      },
      { type: 'firewall', ingressPolicy: 'same-bridge' },
    ]);
  }
  const time = async (who: Who, verb: string, nsPath: string) => {
    const t0 = performance.now();
    const r = await execa(cnitool, [verb, conf[who].net, nsPath], {
      env: env(verb.toUpperCase(), { NETCONFPATH: conf[who].dir, CNI_PATH: DIRS[who] }),
      extendEnv: false,
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`cnitool ${verb} ${conf[who].net} failed: ${r.stderr}`);
    return performance.now() - t0;
  };
  try {
    const add: Record<Who, number[]> = { ours: [], ref: [] };
    const del: Record<Who, number[]> = { ours: [], ref: [] };
    for (let i = 0; i < runs; i++) {
      for (const who of order(i)) {
        const ns = `${prefix}-fw${who[0]}${i}`;
        const path = await netnsAdd(ns);
        try {
          add[who].push(await time(who, 'add', path));
          del[who].push(await time(who, 'del', path));
        } finally {
          await netnsDel(ns);
        }
      }
    }
    rows.push({ op: 'chain bridge+host-local+firewall ADD (cnitool)', ours: median(add.ours), ref: median(add.ref), runs });
    rows.push({ op: 'chain bridge+host-local+firewall DEL (cnitool)', ours: median(del.ours), ref: median(del.ref), runs });
  } finally {
    for (const c of Object.values(conf)) rmSync(c.dir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
await direct(rows);
await chain(rows);
process.stdout.write(JSON.stringify(rows));
