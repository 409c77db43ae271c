// SIGKILL during ADD for the plugins faults.test.ts does not cover: bridge with static IPAM followed
// by bandwidth and sbr (a Multus-style secondary network), static alone, tap, vlan, dummy and
// ipvlan. Each runs in a node stand-in (a namespace of this test; masters and LAN stand-ins too,
// never the real host), one container namespace and container ID per plugin, as a runtime would:
// ADD, DEL, then per trial an ADD that is SIGKILLed at a random point of its run — alternately the
// plugin alone (its ip/tc children finish as orphans) and its whole process group — and the DEL of
// the whole chain with the same config and no prevResult (a failed ADD caches none). After that DEL
// the node and the container must be exactly as before (links, addresses, routes, qdiscs, IFBs,
// rules, IPAM files), and the next ADD of the same container must work (its DEL is judged by the
// next trial, the last one's at the end). vlan, dummy and ipvlan skip where this kernel cannot make
// the link type (probed in a throwaway `unshare -n`), with its reason.
import { randomInt } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  containerId,
  createNetns,
  deleteNetns,
  diffHostState,
  haveOurBin,
  ifName,
  ipamDataDir,
  must,
  netName,
  nextId,
  ourBin,
  snapshotHost,
  OUR_BIN_DIR,
  type HostSnapshot,
  type Netns,
} from '../lib/index.ts';
import { useCleanup } from '../lib/hooks.ts';
import { linkTypeMissing } from '../lib/link-types.ts';
import { makeNodeMaster } from '../lib/master.ts';
import { waitProcsGone } from './chain.ts';
import { FULL, SCALE, report } from './scale.ts';

useCleanup({ scope: 'all' });
const [NO_VLAN, NO_DUMMY, NO_IPVLAN] = await Promise.all([linkTypeMissing('vlan'), linkTypeMissing('dummy'), linkTypeMissing('ipvlan')]);

/**
 * Killed ADDs per case, after the killed first ADD of a case with shared objects (below). SOAK=full:
 * a quarter of the bridge chain's per plugin of the chain, which take turns. `npm test` (each costs
 * the ADDs and DELs around it): one; in the bridge chain, of bandwidth or sbr (the first ADD's kill
 * took bridge), so every run kills two of its plugins and the runs cover all three.
 */
const trialsFor = (chain: number) => (FULL ? (SCALE.killTrials >> 2) * chain : 1);

/** One plugin of the runtime's chain for a container. */
interface Step {
  plugin: string;
  conf: Record<string, unknown>;
}

interface Scene {
  /** The node stand-in: every plugin runs in it. */
  node: Netns;
  /** IPAM data directories (recorded with the node's state). */
  dirs: string[];
  /** The chain a runtime runs for one container. */
  chain: Step[];
  /** Links of the node that the chain shares between containers (a bridge): their addresses are compared, not their carrier or MAC. */
  shared?: string[];
  /** What the container namespace holds before its ADD (a tap's bridge lives there). */
  prepare?(ctr: Netns): Promise<unknown>;
}

interface Case {
  title: string;
  needs: string[];
  /** Why the kernel cannot run it (undefined: it can). */
  missing?: string | undefined;
  scene(): Promise<Scene>;
}

const v4ipam = (dataDir: string, subnet: string, extra: Record<string, unknown> = {}) => ({
  type: 'host-local',
  dataDir,
  ranges: [[{ subnet, ...extra }]],
});

/** A node namespace (loopback up) for plugins that need nothing else there. */
async function makeNode(): Promise<Netns> {
  const node = await createNetns(`kilnode${nextId()}`);
  await must('ip', ['-n', node.name, 'link', 'set', 'lo', 'up']);
  return node;
}

/** A link on a master in the node (a veth to a LAN stand-in, up), addresses from host-local (the lease directory recorded). */
async function onMaster(step: (master: string, dataDir: string) => Step): Promise<Scene> {
  const m = await makeNodeMaster({ lan: true });
  await must('ip', ['-n', m.peerNs.name, 'link', 'set', m.peer, 'up']);
  const dataDir = await ipamDataDir();
  return { node: m.node, dirs: [dataDir], chain: [step(m.master, dataDir)] };
}

const CASES: Case[] = [
  {
    title: 'bridge with static IPAM, then bandwidth (an IFB, qdiscs on the host veth) and sbr (rules and tables in the container), any of them killed',
    needs: ['bridge', 'static', 'bandwidth', 'sbr'],
    async scene() {
      const net = netName('kilch');
      const bridge = ifName('kilch');
      const ipam = {
        type: 'static',
        addresses: [
          { address: '10.151.1.5/24', gateway: '10.151.1.1' },
          { address: 'fd00:151:1::5/64', gateway: 'fd00:151:1::1' },
        ],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
      };
      const rates = { ingressRate: 8_000_000, ingressBurst: 800_000, egressRate: 8_000_000, egressBurst: 800_000 };
      return {
        node: await makeNode(),
        dirs: [],
        chain: [
          { plugin: 'bridge', conf: { cniVersion: '1.1.0', name: net, type: 'bridge', bridge, isGateway: true, ipam } },
          { plugin: 'bandwidth', conf: { cniVersion: '1.1.0', name: net, type: 'bandwidth', ...rates } },
          { plugin: 'sbr', conf: { cniVersion: '1.1.0', name: net, type: 'sbr' } },
        ],
        shared: [bridge],
      };
    },
  },
  {
    title: 'tap (a port of a bridge in the container, host-local)',
    needs: ['tap', 'host-local'],
    async scene() {
      const dataDir = await ipamDataDir();
      const conf = {
        cniVersion: '1.1.0',
        name: netName('kiltp'),
        type: 'tap',
        bridge: 'kilbr0',
        multiQueue: true,
        mtu: 1400,
        ipam: v4ipam(dataDir, '10.150.1.0/24'),
      };
      return {
        node: await makeNode(),
        dirs: [dataDir],
        chain: [{ plugin: 'tap', conf }],
        // A fixed MAC: a bridge's own would follow its ports.
        prepare: (ctr) => must('ip', ['-n', ctr.name, '-batch', '-'], { input: 'link add kilbr0 address 02:00:00:15:00:01 type bridge\nlink set kilbr0 up\n' }),
      };
    },
  },
  {
    title: 'static alone',
    needs: ['static'],
    async scene() {
      const ipam = {
        type: 'static',
        addresses: [{ address: '10.151.2.5/24', gateway: '10.151.2.1' }, { address: 'fd00:151:2::5/64' }],
        routes: [{ dst: '0.0.0.0/0' }],
        dns: { nameservers: ['10.151.2.53'] },
      };
      return { node: await makeNode(), dirs: [], chain: [{ plugin: 'static', conf: { cniVersion: '1.1.0', name: netName('kilst'), type: 'macvlan', ipam } }] };
    },
  },
  {
    title: 'vlan (master in the node, host-local)',
    needs: ['vlan', 'host-local'],
    missing: NO_VLAN,
    scene: () =>
      onMaster((master, dataDir) => ({
        plugin: 'vlan',
        conf: { cniVersion: '1.1.0', name: netName('kilvl'), type: 'vlan', master, vlanId: 100, mtu: 1400, ipam: v4ipam(dataDir, '10.152.10.0/24') },
      })),
  },
  {
    title: 'dummy (host-local)',
    needs: ['dummy', 'host-local'],
    missing: NO_DUMMY,
    async scene() {
      const dataDir = await ipamDataDir();
      const conf = { cniVersion: '1.1.0', name: netName('kildm'), type: 'dummy', ipam: v4ipam(dataDir, '10.153.1.0/24') };
      return { node: await makeNode(), dirs: [dataDir], chain: [{ plugin: 'dummy', conf }] };
    },
  },
  {
    title: 'ipvlan (l2, master in the node, host-local)',
    needs: ['ipvlan', 'host-local'],
    missing: NO_IPVLAN,
    scene: () =>
      onMaster((master, dataDir) => ({
        plugin: 'ipvlan',
        conf: {
          cniVersion: '1.1.0',
          name: netName('kiliv'),
          type: 'ipvlan',
          master,
          mode: 'l2',
          ipam: v4ipam(dataDir, '10.154.1.0/24', { rangeStart: '10.154.1.10', gateway: '10.154.1.254' }),
        },
      })),
  },
];

const withPrev = (conf: Record<string, unknown>, prev: unknown) => (prev === undefined ? conf : { ...conf, prevResult: prev });
/**
 * One call as a runtime makes it, run in the node: straight, not under the harness's host lock
 * (nothing here touches the host), so that its time is the plugin's own. Detached: its own process
 * group, which a kill can take whole.
 */
const call = (s: Scene, step: Step, command: string, cid: string, ctr: Netns, prev?: unknown) =>
  execa('ip', ['netns', 'exec', s.node.name, ourBin(step.plugin)], {
    env: { ...baseEnv(), CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_NETNS: ctr.path, CNI_IFNAME: 'eth0', CNI_PATH: OUR_BIN_DIR },
    extendEnv: false,
    input: JSON.stringify(withPrev(step.conf, prev)),
    reject: false,
    detached: true,
    timeout: 60_000,
  });
const failure = (step: Step, command: string, r: { exitCode?: number | undefined; stdout: string; stderr: string }) =>
  `${step.plugin} ${command} failed (exit ${r.exitCode}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`;

/** ADD the chain's first `n` plugins (prevResult threaded through), timing each into `ms` (the quickest yet): the last result, or the failure. */
async function addChain(s: Scene, n: number, cid: string, ctr: Netns, ms: number[]): Promise<{ result?: unknown; error?: string }> {
  let prev: unknown;
  for (const [i, step] of s.chain.slice(0, n).entries()) {
    const t0 = performance.now();
    const r = await call(s, step, 'ADD', cid, ctr, prev);
    ms[i] = Math.min(ms[i] ?? Infinity, Math.ceil(performance.now() - t0));
    if (r.exitCode !== 0) return { error: failure(step, 'ADD', r) };
    prev = JSON.parse(r.stdout);
  }
  return { result: prev };
}

/** DEL of the whole chain in reverse order, as libcni does; the failures. */
async function delChain(s: Scene, cid: string, ctr: Netns, prev?: unknown): Promise<string[]> {
  const out: string[] = [];
  for (const step of [...s.chain].reverse()) {
    const r = await call(s, step, 'DEL', cid, ctr, prev);
    if (r.exitCode !== 0) out.push(failure(step, 'DEL', r));
  }
  return out;
}

// No plugin here writes a firewall inside the container: its snapshot leaves that out.
const snap = async (s: Scene, ctr: Netns): Promise<HostSnapshot[]> =>
  Promise.all([
    snapshotHost({ netns: s.node.name, dirs: s.dirs, tc: true, rules: true }),
    snapshotHost({ netns: ctr.name, tc: true, rules: true, firewall: false }),
  ]);

// The kernel's IPv6 link-local and multicast routes follow carrier asynchronously; host-local's lock,
// cursor and network directory are scaffolding, not leases.
const noise = (sec: string, e: string) =>
  (sec === 'routes' && /"dst":"(fe80|ff00):/.test(e)) ||
  (sec === 'files' && (e.endsWith('/lock') || e.includes('/last_reserved_ip.') || /-kil[a-z]+$/.test(e)));

function diff(s: Scene, a: HostSnapshot[], b: HostSnapshot[]): string[] {
  const shared = new Set(s.shared ?? []);
  const out = a.flatMap((x, i) =>
    diffHostState(x, b[i]!, { ignore: noise, ignoreLink: (l) => i === 0 && shared.has(l) }).map((d) => (i ? `container ${d}` : `node ${d}`)),
  );
  // A shared bridge's carrier, MAC and link-local address follow its ports: its other addresses must not change.
  const addrs = (x: HostSnapshot, l: string) => JSON.stringify((x.addrs[l] ?? []).filter((ad) => !ad.includes('fe80:')));
  for (const l of shared) if (addrs(a[0]!, l) !== addrs(b[0]!, l)) out.push(`node addrs of ${l}: ${addrs(a[0]!, l)} => ${addrs(b[0]!, l)}`);
  return out;
}

/** SIGKILL `victim`'s ADD (the chain before it done) after `delay` ms; the process group too when `group`. */
async function killedAdd(s: Scene, victim: number, cid: string, ctr: Netns, delay: number, group: boolean): Promise<{ killed: boolean; error?: string }> {
  const pre = await addChain(s, victim, cid, ctr, []);
  if (pre.error) return { killed: false, error: pre.error };
  const child = call(s, s.chain[victim]!, 'ADD', cid, ctr, pre.result);
  const timer = setTimeout(() => {
    try {
      // `ip netns exec` execs the plugin: the child's PID is the plugin's, and its process group's.
      process.kill(group ? -child.pid! : child.pid!, 'SIGKILL');
    } catch {
      /* it has exited */
    }
  }, delay);
  const r = await child;
  clearTimeout(timer);
  await waitProcsGone(cid); // orphans of a plugin killed alone finish their batch first
  return { killed: r.signal === 'SIGKILL' };
}

describe('robustness: SIGKILL during ADD of bridge with static IPAM, bandwidth, sbr, static, tap, vlan, dummy, ipvlan', () => {
  for (const [k, c] of CASES.entries()) {
    const reason = c.missing ? ` (skipped: ${c.missing})` : '';
    it.skipIf(!!c.missing || !c.needs.every(haveOurBin))(
      `${c.title}: DEL after a killed ADD leaves the node and the container as before, and ADD works again${reason}`,
      { timeout: FULL ? 900_000 : 120_000 },
      async () => {
        const s = await c.scene();
        const ctr = await createNetns(`kilc${nextId()}`);
        await s.prepare?.(ctr);
        const cid = containerId(`kil${nextId()}`);
        // The very first ADD, the one that makes what the chain shares (a bridge, its addresses), killed
        // too: what it leaves of those may stay, but the next ADD must complete it.
        let firstKilled = false;
        if (s.shared) {
          const k0 = await killedAdd(s, 0, cid, ctr, randomInt(50, 401), k % 2 === 0);
          expect(k0.error).toBeUndefined();
          firstKilled = k0.killed;
          expect(await delChain(s, cid, ctr)).toEqual([]);
        }
        // The first whole ADD and DEL: shared objects exist before the snapshot, and each ADD is timed,
        // so that the kills spread over as long as this machine takes for one.
        const ms: number[] = [];
        const first = await addChain(s, s.chain.length, cid, ctr, ms);
        expect(first.error, `after the first ADD ${firstKilled ? 'killed' : 'completed'}`).toBeUndefined();
        expect(await delChain(s, cid, ctr, first.result)).toEqual([]);
        const before = await snap(s, ctr);
        // The chain's plugins take turns, from a random one; the kill mode alternates (and differs between neighbouring cases).
        const trials = trialsFor(s.chain.length);
        const from = !FULL && s.shared && s.chain.length > 1 ? 1 + randomInt(s.chain.length - 1) : randomInt(s.chain.length);
        const problems: string[] = [];
        let killed = 0;
        for (let t = 0; t < trials; t++) {
          const victim = (from + t) % s.chain.length;
          const delay = randomInt(0, ms[victim]! + 1);
          const group = (t + k) % 2 === 0;
          const what = `trial ${t} (${s.chain[victim]!.plugin} ${group ? 'and its children ' : ''}killed after ${delay} of ${ms[victim]} ms)`;
          const r = await killedAdd(s, victim, cid, ctr, delay, group);
          if (r.error) problems.push(`${what}: ${r.error}`);
          if (r.killed) killed++;
          problems.push(...(await delChain(s, cid, ctr)).map((p) => `${what}: ${p}`));
          const d = diff(s, before, await snap(s, ctr));
          if (d.length) problems.push(`${what} left: ${d.join('; ').slice(0, 1500)}`);
          // The runtime's next ADD of the same container works (timing the next trial's kill); its DEL is judged by the next trial.
          const again = await addChain(s, s.chain.length, cid, ctr, ms);
          if (again.error) problems.push(`${what}, then ADD again: ${again.error}`);
          problems.push(...(await delChain(s, cid, ctr, again.result)).map((p) => `${what}, after ADD again: ${p}`));
        }
        const d = diff(s, before, await snap(s, ctr));
        if (d.length) problems.push(`the last ADD and DEL left: ${d.join('; ').slice(0, 1500)}`);
        await deleteNetns(ctr);
        report(
          `SIGKILL trials, ${s.chain.map((x) => x.plugin).join(' + ')}`,
          `${trials} (${killed} actually killed mid-run)${s.shared ? `, and the first ADD ${firstKilled ? 'killed' : 'not killed (done in time)'}` : ''}`,
        );
        expect(problems).toEqual([]);
      },
    );
  }
});
