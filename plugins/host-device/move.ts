// Moving the node's device into the container and back, through a temporary namespace as the
// reference does since v1.6.0 (host-device.go moveLinkIn/moveLinkOut): renaming it there never
// clashes with a node link of the container's name (eth0), and udev or NetworkManager on the node
// never see the rename. A move is two `ip -batch` processes: one that finds the device (its
// `link show` answered before anything else is written: iproute2.ts ipSession), then names the
// temporary namespace and moves the device into it; one inside it (rename, alias, onward move,
// and the temporary namespace's deletion), started ahead under `unshare --net` (openTemp) so that
// its start-up overlaps the lookup; the first step names its namespace (`netns attach`). Without
// it (an ADD's undo), `netns add` creates the namespace and a process is entered into it after. A
// third in the node, started while those run, brings the device up on the way out when it was up
// before ADD. A step that fails is rolled back from where it stopped, so the device is never left
// in the temporary namespace.
import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { batchFailure, ipBatch, ipSession, line, parseLinks, type IpSession, type Link, type PlannedLine } from '../../shared/host/iproute2.ts';
import { saysNotFound } from '../../shared/host/exec.ts';
import { sysfsIsOwn } from '../../shared/host/link-state.ts';
import { hashWithPrefix } from '../../shared/host/hash.ts';
import { netnsState } from '../../shared/host/netns.ts';
import { SYS_BUS_AUX, SYS_BUS_PCI, type Selector } from './config.ts';
import { extras, inLines, inRollback, outLines, outRollback, type SysfsHit } from './plan.ts';

/** The plugin's own namespace (the node), for a move back from inside another one. */
const nodeNs = (): string => `/proc/${process.pid}/ns/net`;
const NETNS_DIR = '/var/run/netns';
const NETS = (tmp: string): string => `${NETNS_DIR}/${tmp}`;

/** Every link of a namespace with details (alias, parent device); `netns` undefined = the node. */
export async function listLinks(netns?: string): Promise<Link[]> {
  const r = await ipBatch([line('link', 'show')], { json: true, details: true, ...(netns ? { netns } : {}) });
  return parseLinks(r.outputs[0] ?? []);
}

/**
 * The first process of a move, held open: the links of the namespace the device is in (`dev`: only
 * that one, when the config names it), returned before the process moves anything. The caller
 * picks the device, then hands `session` to moveIn/moveOut, whose first step it runs; a caller
 * that moves nothing calls `session.finish([])`.
 */
export async function openLinks(netns: string | undefined, dev?: string): Promise<{ links: Link[]; session: IpSession }> {
  const session = await ipSession({ details: true, ...(netns ? { netns } : {}) });
  const out = await session.show(dev ? line('link', 'show', 'dev', dev) : line('link', 'show'));
  if (out) return { links: parseLinks(out), session };
  const r = await session.finish([]);
  // A device asked for by name and not there is no link found; the caller words that.
  if (dev && saysNotFound(r)) return { links: [], session };
  throw new CniError(Code.Internal, r.stderr.trim().replace(/\n/g, '; ') || `ip link show failed with exit status ${r.exitCode}`);
}

/** Run planned lines (in `via`, an open session, when given); on failure, how many ran and the failure in the failed line's words. */
async function apply(netns: string | undefined, plan: readonly PlannedLine[], via?: IpSession): Promise<{ ran: number; error?: CniError }> {
  const lines = plan.map((p) => p.line);
  const r = via ? await via.finish(lines) : await ipBatch(lines, { allowFail: true, ...(netns ? { netns } : {}) });
  if (r.exitCode === 0) return { ran: plan.length };
  const f = batchFailure(r.stderr);
  const ran = Math.max(f.index, 0);
  return { ran, error: new CniError(Code.Internal, `${plan[ran]?.failure ?? 'ip -batch failed'}: ${f.message}`) };
}

/**
 * The temporary namespace of one attachment: named after it, so that a DEL after an ADD or DEL
 * killed mid-move finds the device where the move left it (recoverStranded).
 */
export const tempName = (containerId: string, ifname: string): string => hashWithPrefix(23, 'cni-hd-', `${containerId}/${ifname}`);

/**
 * An `ip -batch` process in a new network namespace of its own (unshare), started ahead and waiting
 * for a move's lines: the temporary namespace, named (`netns attach`) by the move's first step just
 * before the device goes there, so that from then on it outlives the process and a DEL after a kill
 * finds it. Answered once (`link show dev lo`): the process runs, in its own namespace.
 */
export async function openTemp(): Promise<IpSession> {
  const s = await ipSession({ newNetns: true });
  if ((await s.show(line('link', 'show', 'dev', 'lo'))) && s.pid) return s;
  const r = await s.finish([]);
  throw new CniError(Code.Internal, `failed to create tempNS: ${r.stderr.trim().split('\n')[0] || `exit status ${r.exitCode}`}`);
}

/** The processes a move can use, started ahead: `via` runs the first step (openLinks), `into` is the temporary namespace (openTemp). */
export interface MoveProcs {
  via?: IpSession;
  into?: IpSession;
}

/**
 * Create the temporary namespace (or name `into`'s) and move `dev` into it, in one process run in
 * `from` (undefined = the node), or in `via`.
 */
async function intoTemp(from: string | undefined, dev: string, tmp: string, p: MoveProcs): Promise<string> {
  const create = p.into?.pid ? line('netns', 'attach', tmp, p.into.pid) : line('netns', 'add', tmp);
  const r = await apply(
    from,
    [
      { line: create, failure: 'failed to create tempNS' },
      { line: line('link', 'set', 'dev', dev, 'netns', tmp), failure: `failed to move "${dev}" to tempNS` },
    ],
    p.via,
  );
  if (r.error) {
    if (r.ran >= 1) await dropTemp(tmp, []);
    throw r.error;
  }
  return tmp;
}

/** In the node: the lines given (bring the device up), then the temporary namespace's deletion. */
async function dropTemp(tmp: string, before: string[]): Promise<void> {
  await ipBatch([...before, line('netns', 'del', tmp)], { allowFail: true });
}

const upLine = (dev: string): string[] => [line('link', 'set', 'dev', dev, 'up')];

/**
 * Run a move's lines inside the temporary namespace, then delete it from there in the same process
 * (`netns del` removes the name; the namespace itself goes when the process leaves it). The
 * deletion is past the move: its failure does not fail the move (a leftover is recoverStranded's).
 */
async function inTemp(tmp: string, plan: readonly PlannedLine[], into?: IpSession): Promise<{ ran: number; error?: CniError }> {
  const r = await apply(NETS(tmp), [...plan, { line: line('netns', 'del', tmp), failure: 'failed to delete tempNS' }], into);
  return r.ran >= plan.length ? { ran: plan.length } : r;
}

/**
 * Move the node's `dev` into the container as `ifname`, its name kept in the alias, and delete the
 * temporary namespace. On failure the device is back on the node under its name, UP again if it
 * was (a move between namespaces downs it). `p.via`: the node's open session (openLinks).
 */
export async function moveIn(dev: { name: string; up: boolean }, container: string, ifname: string, tmpName: string, p: MoveProcs = {}): Promise<void> {
  const tmp = await intoTemp(undefined, dev.name, tmpName, p);
  const r = await inTemp(tmp, inLines(dev.name, ifname, container), p.into);
  if (!r.error) return;
  const back = await ipBatch(inRollback(dev.name, ifname, r.ran, nodeNs()), { netns: NETS(tmp), allowFail: true });
  if (back.exitCode !== 0) throw stuck(r.error, dev.name, tmp, back.stderr);
  await dropTemp(tmp, dev.up ? upLine(dev.name) : []);
  throw r.error;
}

/**
 * Move the container's `cur` (alias `node`) back to the node under `node`, UP when `up`, and delete
 * the temporary namespace. On failure it is back in the container as it was. `p.via`: the
 * container's open session (openLinks).
 */
export async function moveOut(container: string, cur: string, node: string, up: boolean, tmpName: string, p: MoveProcs = {}): Promise<void> {
  const first = intoTemp(container, cur, tmpName, p);
  // The node's process that brings the device up starts while the moves run, and waits for its line.
  const onNode = up ? ipSession() : undefined;
  try {
    const tmp = await first;
    const r = await inTemp(tmp, outLines(cur, node, nodeNs()), p.into);
    if (!r.error) {
      if (onNode) await (await onNode).finish(upLine(node));
      return;
    }
    const back = await ipBatch(outRollback(cur, node, r.ran, container, cur !== node), { netns: NETS(tmp), allowFail: true });
    if (back.exitCode !== 0) throw stuck(r.error, cur, tmp, back.stderr);
    await dropTemp(tmp, []);
    throw r.error;
  } finally {
    await onNode?.then((s) => s.finish([]));
  }
}

/** The rollback failed too: the temporary namespace is kept (deleting it would destroy a virtual device), and the error says where the device is. */
const stuck = (e: CniError, dev: string, tmp: string, stderr: string): CniError =>
  new CniError(Code.Internal, `${e.message}; moving "${dev}" back also failed (${stderr.trim().split('\n')[0]}): it is in namespace ${NETS(tmp)}`);

/** Whether a call killed mid-move left this temporary namespace (checked without waiting, so DEL's own move starts first). */
export const stranded = (tmp: string): boolean => existsSync(NETS(tmp));

/**
 * A call killed mid-move leaves the temporary namespace, and maybe the device in it: give every
 * link there back to the node under the name in its alias (UP when `up`), then delete it.
 */
export async function recoverStranded(tmp: string, up: boolean): Promise<void> {
  const path = NETS(tmp);
  if (!stranded(tmp)) return;
  if (netnsState(path) === 'ok') {
    for (const l of await listLinks(path)) {
      if (l.ifname === 'lo') continue;
      const node = extras(l).ifalias || l.ifname;
      const r = await apply(path, outLines(l.ifname, node, nodeNs()));
      if (r.error) throw new CniError(Code.Internal, `${r.error.message} (recovering "${node}" from ${path}, left by an interrupted call)`);
      if (up) await ipBatch(upLine(node), { allowFail: true });
    }
  }
  await dropTemp(tmp, []);
}

/** First entry of a sysfs `net/` directory (Go's ReadDir order), or undefined. */
function firstNetdev(dir: string): string | undefined {
  try {
    return readdirSync(dir).sort()[0];
  } catch {
    return undefined;
  }
}

/** The PCI device's virtio child (virtio0…), whose `net/` holds the netdev of a virtio NIC. */
function virtioChild(pci: string): string | undefined {
  try {
    return readdirSync(`${SYS_BUS_PCI}/${pci}`)
      .filter((n) => n.startsWith('virtio'))
      .sort()[0];
  } catch {
    return undefined;
  }
}

/**
 * Resolve a sysfs-named selector. /sys/…/net/ lists the netdevs of the namespace /sys was mounted
 * for; when that is not ours (setns() without a remount), the parent device's name is matched
 * against netlink's parentdev instead (shared/host/link-state.ts sysfsIsOwn).
 */
export function sysfsHit(sel: Selector): SysfsHit | undefined {
  let dir: string;
  if (sel.by === 'kernelpath') dir = sel.value;
  else if (sel.by === 'pciBusID') {
    const v = virtioChild(sel.value);
    dir = firstNetdev(`${SYS_BUS_PCI}/${sel.value}/net`) !== undefined || !v ? `${SYS_BUS_PCI}/${sel.value}` : `${SYS_BUS_PCI}/${sel.value}/${v}`;
  } else if (sel.by === 'deviceID') dir = `${SYS_BUS_AUX}/${sel.value}`;
  else return undefined;
  if (sysfsIsOwn()) {
    const name = firstNetdev(`${dir}/net`);
    return name ? { name } : { none: `no network device under ${dir}/net` };
  }
  return { parentdev: basename(dir) };
}
