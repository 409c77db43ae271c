// The container's own link (macvlan, ipvlan, vlan, dummy, tap): made under a temporary name, in
// the host namespace and moved into the container's in the same netlink request (`netns` on
// `ip link add`), or inside the container when its parent lives there (linkInContainer); then
// renamed to CNI_IFNAME by the first line of the container's batch. The temporary name keeps the
// final name free until the link is complete, as the reference does
// (containernetworking/plugins `plugins/main/macvlan/macvlan.go` createMacvlan).
import { CniError, Code } from '../cni/errors.ts';
import type { UndoStack } from '../cni/undo.ts';
import { saysNotFound } from './exec.ts';
import { batchFailure, ipBatch, line, type PlannedLine } from './iproute2.ts';
import { netnsState } from './netns.ts';
import { createHash } from 'node:crypto';

export interface LinkSpec {
  netns: string;
  ifname: string;
  /** What the link is, for messages: "macvlan", "ipvlan", "vlan", "dummy", "tap". */
  kind: string;
  /** The parent device (master), looked up where the link is created. */
  parent?: string;
  /** Create the link inside the container (its parent lives there). */
  inContainer?: boolean;
  /** `ip link add` options before `type`: mtu, address, txqueuelen, … (a tap's may add `master`). */
  attrs?: ReadonlyArray<string | number>;
  /** `type` and its options: ['macvlan', 'mode', 'bridge']. */
  type: ReadonlyArray<string | number>;
  /** What the kernel's "exists" (EEXIST) means for this kind: the temporary name is random, so it is
   * never the name (vlan: the VLAN ID is taken on that master). */
  exists?: string;
  /**
   * A tun/tap device instead (`ip tuntap add mode <mode> name <tmp> <options>`, persistent): it has
   * no `netns` attribute, so it is made inside the container (inContainer required), and `attrs`
   * go on a second line (`link set dev <tmp> …`) of the same batch.
   */
  tuntap?: { mode: 'tap' | 'tun'; options: ReadonlyArray<string | number> };
}

/** A link made by this call, still under its temporary name until the container batch renames it. */
export interface NewLink {
  netns: string;
  ifname: string;
  kind: string;
  tmp: string;
  /** Its name now: the temporary one until the rename line has run. */
  name: string;
}

export const createLinkLine = (s: LinkSpec, tmp: string): string =>
  line(
    'link',
    'add',
    ...(s.parent ? ['link', s.parent] : []),
    'name',
    tmp,
    ...(s.attrs ?? []),
    ...(s.inContainer ? [] : ['netns', s.netns]),
    'type',
    ...s.type,
  );

/** A parent (master) that is not where it was looked for, named with the namespace (the reference says only "Link not found"). */
export function masterNotFound(parent: string, netns: string, inContainer: boolean | undefined): CniError {
  const where = inContainer ? `in the container namespace "${netns}"` : 'in the host namespace';
  return new CniError(Code.Internal, `failed to lookup master "${parent}": no link of that name ${where}`);
}

/** Why `ip link add` failed, in words that name the object at fault. */
/** The batch that makes the link: one `link add`, or `tuntap add` then its attributes. */
export function createLinkLines(s: LinkSpec, tmp: string): string[] {
  if (!s.tuntap) return [createLinkLine(s, tmp)];
  if (!s.inContainer) throw new CniError(Code.Internal, `a ${s.kind} is created inside the container namespace`);
  const attrs = s.attrs ?? [];
  return [line('tuntap', 'add', 'mode', s.tuntap.mode, 'name', tmp, ...s.tuntap.options), ...(attrs.length ? [line('link', 'set', 'dev', tmp, ...attrs)] : [])];
}

/** Why `ip link add` failed, in words that name the object at fault (the reference says only "Link not found"). */
export function createFailure(s: LinkSpec, stderr: string): CniError {
  const msg = batchFailure(stderr).message;
  if (s.parent && saysNotFound({ stderr })) return masterNotFound(s.parent, s.netns, s.inContainer);
  if (s.exists && /File exists|already exists/i.test(msg)) return new CniError(Code.Internal, s.exists);
  // The link type's module is absent (no 8021q, dummy or ipvlan in this kernel).
  if (/Unknown device type/i.test(msg)) return new CniError(Code.Internal, `failed to create ${s.kind}: this kernel has no "${s.type[0]}" link type (${msg})`);
  return new CniError(Code.Internal, `failed to create ${s.kind}: ${msg}`);
}

/** Create the link under a temporary name; its undo (delete, under whichever name it has then) is pushed once it exists. */
/**
 * The temporary name of an attachment's new link: fixed for its namespace and interface name (the
 * reference's is random), so that a DEL after an ADD killed before the rename still finds the link.
 * Attachments made at the same time have different names or namespaces, so theirs differ.
 */
export const tempLinkName = (netns: string, ifname: string): string => `cni${createHash('sha256').update(`${netns}\0${ifname}`).digest('hex').slice(0, 12)}`;

export async function createContainerLink(s: LinkSpec, undo: UndoStack): Promise<NewLink> {
  const tmp = tempLinkName(s.netns, s.ifname);
  const r = await ipBatch(createLinkLines(s, tmp), { allowFail: true, ...(s.inContainer ? { netns: s.netns } : {}) });
  if (r.exitCode !== 0) {
    // A tap made but refused its attributes (MTU, MAC, master): it is this call's, so it goes. ip
    // exits on an argument it cannot resolve (a missing master) without saying which line failed.
    if (s.tuntap && batchFailure(r.stderr).index !== 0) await deleteContainerLink(s.netns, tmp).catch(() => undefined);
    throw createFailure(s, r.stderr);
  }
  const link: NewLink = { netns: s.netns, ifname: s.ifname, kind: s.kind, tmp, name: tmp };
  undo.push(() => deleteContainerLink(link.netns, link.name).then(() => undefined));
  return link;
}

/** The container batch's first line for a new link: its final name. */
export const renameLine = (l: NewLink): PlannedLine => ({
  line: line('link', 'set', 'dev', l.tmp, 'name', l.ifname),
  failure: `failed to rename ${l.kind} to "${l.ifname}"`,
});

/**
 * Delete a link in the container; a namespace or link that is gone already is not an error (DEL
 * after the runtime removed the namespace, or after a first DEL). Returns whether it deleted one.
 */
export async function deleteContainerLink(netns: string, ifname: string): Promise<boolean> {
  if (netns === '' || netnsState(netns) !== 'ok') return false;
  // The same batch also removes a link an ADD killed before its rename left under its temporary name.
  const r = await ipBatch([line('link', 'del', 'dev', ifname), line('link', 'del', 'dev', tempLinkName(netns, ifname))], {
    netns,
    allowFail: true,
    force: true,
  });
  const failures = batchFailures(r.stderr);
  const own = failures.get(0);
  if (own === undefined) return true;
  if (saysNotFound({ stderr: own })) return false;
  throw new CniError(Code.Internal, `failed to delete "${ifname}": ${own}`);
}

/** `ip -force -batch` stderr: each failing line's (0-based) message, from the lines before its "Command failed -:N". */
export function batchFailures(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let msg: string[] = [];
  for (const l of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)/.exec(l);
    if (m) {
      out.set(Number(m[1]) - 1, msg.join(' ').trim());
      msg = [];
    } else if (l.trim()) msg.push(l.trim());
  }
  return out;
}

/** Give a new link its final name now, ahead of the container batch (an IPAM that speaks over the link, dhcp, looks it up by name). */
export async function renameContainerLink(l: NewLink): Promise<void> {
  if (l.name === l.ifname) return;
  const step = renameLine(l);
  const r = await ipBatch([step.line], { netns: l.netns, allowFail: true });
  if (r.exitCode !== 0) throw new CniError(Code.Internal, `${step.failure}: ${batchFailure(r.stderr).message}`);
  l.name = l.ifname;
}
