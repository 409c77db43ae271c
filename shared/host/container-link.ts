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
import { randomVethName } from './veth.ts';

export interface LinkSpec {
  netns: string;
  ifname: string;
  /** What the link is, for messages: "macvlan", "ipvlan", "vlan", "dummy", "tap". */
  kind: string;
  /** The parent device (master), looked up where the link is created. */
  parent?: string;
  /** Create the link inside the container (its parent lives there). */
  inContainer?: boolean;
  /** `ip link add` options before `type`: mtu, address, txqueuelen, … */
  attrs?: ReadonlyArray<string | number>;
  /** `type` and its options: ['macvlan', 'mode', 'bridge']. */
  type: ReadonlyArray<string | number>;
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
export function createFailure(s: LinkSpec, stderr: string): CniError {
  const msg = batchFailure(stderr).message;
  if (s.parent && saysNotFound({ stderr })) return masterNotFound(s.parent, s.netns, s.inContainer);
  return new CniError(Code.Internal, `failed to create ${s.kind}: ${msg}`);
}

/** Create the link under a temporary name; its undo (delete, under whichever name it has then) is pushed once it exists. */
export async function createContainerLink(s: LinkSpec, undo: UndoStack): Promise<NewLink> {
  const tmp = randomVethName();
  const r = await ipBatch([createLinkLine(s, tmp)], { allowFail: true, ...(s.inContainer ? { netns: s.netns } : {}) });
  if (r.exitCode !== 0) throw createFailure(s, r.stderr);
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
  const r = await ipBatch([line('link', 'del', 'dev', ifname)], { netns, allowFail: true });
  if (r.exitCode === 0) return true;
  if (saysNotFound(r)) return false;
  throw new CniError(Code.Internal, `failed to delete "${ifname}": ${r.stderr.trim().split('\n')[0]}`);
}
