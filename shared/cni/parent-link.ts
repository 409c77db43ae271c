// ADD, DEL and CHECK of a plugin whose container interface is a link it makes itself on a parent (macvlan,
// ipvlan, vlan, …): the link under a temporary name, then its addresses (IPAM's, or prevResult's
// when chained), then the interface configured and read back; the result the reference prints
// (containernetworking/plugins `plugins/main/macvlan/macvlan.go` and `ipvlan/ipvlan.go` cmdAdd).
// A failure undoes what was made, the lease included (shared/cni/undo.ts).
import type { Dns, Result } from './result.ts';
import { CniError, Code, settleAll } from './errors.ts';
import { withUndo, type UndoStack } from './undo.ts';
import type { Ctx } from './skel.ts';
import { delegate, linkAndIpamDel } from './ipam.ts';
import { parseBase, prevResultOf } from './config.ts';
import { isV4 } from '../host/addr.ts';
import { createContainerLink, deleteContainerLink, type LinkSpec } from '../host/container-link.ts';
import { configureIface } from '../host/iface.ts';
import { checkLinkAndMode, readIface, type LinkExpectation } from '../host/iface-check.ts';
import { checkMtu, resolveMaster, type MasterSpec } from '../host/master.ts';
import { assertNetns } from '../host/netns.ts';

export interface Attachment {
  link: LinkSpec;
  /** The addresses and routes, once the link exists (IPAM ADD with its undo pushed, or prevResult); undefined = layer 2 only. */
  addresses(undo: UndoStack): Promise<Result | undefined>;
  /** The config's `dns`: the result's, whatever the addresses' source said. */
  dns?: Dns | undefined;
}

/**
 * The reference's result: the container link only (its MAC as the kernel has it), every address on
 * interface 0, the source's routes, and the config's `dns`.
 */
export function linkResult(iface: { ifname: string; mac: string; netns: string }, source: Result | undefined, dns: Dns | undefined): Result {
  const result: Result = { interfaces: [{ name: iface.ifname, mac: iface.mac, sandbox: iface.netns }] };
  if (source) {
    result.ips = (source.ips ?? []).map((i) => ({ ...i, interface: 0 }));
    if (source.routes?.length) result.routes = source.routes;
  }
  if (dns) result.dns = dns;
  return result;
}

export async function attachLink(a: Attachment, undo: UndoStack): Promise<Result> {
  const { netns, ifname } = a.link;
  const link = await createContainerLink(a.link, undo);
  const source = await a.addresses(undo);
  const ips = (source?.ips ?? []).map((i) => ({ ...i, interface: 0 }));
  // As the reference's ConfigureIface: routes wait for DAD when there is an IPv6 gateway.
  const settle = ips.some((i) => i.gateway !== undefined && !isV4(i.gateway));
  // arp_notify/ndisc_notify only with addresses, as the reference sets them.
  const now = await configureIface(netns, { ifname, index: 0, ips, routes: source?.routes ?? [] }, { link, notify: source !== undefined, settle });
  if (!now?.address) throw new CniError(Code.Internal, `failed to refetch ${a.link.kind} "${ifname}"`);
  return linkResult({ ifname, mac: now.address, netns }, source, a.dns);
}

export interface AttachRequest {
  /** Where the master is, and which (''= the default route's interface). */
  master: MasterSpec;
  /** The configured MTU (0 = the master's), checked against the master's. */
  mtu: number;
  link(master: string): LinkSpec;
  addresses: Attachment['addresses'];
  dns?: Dns | undefined;
}

/**
 * The whole ADD: the master is looked up only when something needs it first (the default route's
 * interface, the MTU check; otherwise creating the link finds out, with an error that names it),
 * then the link before the addresses, as in the reference, so a bad master never takes a lease.
 */
export async function attach(ctx: Ctx, r: AttachRequest): Promise<Result> {
  assertNetns(ctx.env.netns);
  const master = await resolveMaster(r.master, r.mtu > 0);
  if (master.mtu !== undefined) checkMtu(r.mtu, master.mtu);
  return withUndo((undo) => attachLink({ link: r.link(master.name), addresses: r.addresses, dns: r.dns }, undo));
}

/** DEL of an attachment: IPAM DEL and the link; nothing is looked up, so a gone master, namespace or link is no error. */
export async function detachLink(ctx: Ctx, ipamType: string): Promise<void> {
  const { netns, ifname } = ctx.env;
  await settleAll(linkAndIpamDel(ctx, ipamType, () => deleteContainerLink(netns, ifname)));
}

export interface AttachmentCheck {
  ipamType: string;
  /** The master to look up (undefined: none known, as in a chained ipvlan's CHECK). */
  master?: MasterSpec;
  /** The configured MTU, checked against the master's. */
  mtu: number;
  want: LinkExpectation;
}

/** CHECK in the reference's order: the master (and MTU), IPAM CHECK, prevResult, then the link, its addresses and routes. */
export async function checkAttachment(ctx: Ctx, c: AttachmentCheck): Promise<void> {
  const { netns, ifname } = ctx.env;
  assertNetns(netns);
  const masterP = c.master ? resolveMaster(c.master, true) : Promise.resolve(undefined);
  const contP = readIface(netns, ifname);
  // Both reads run side by side; the failures come in the reference's order.
  contP.catch(() => undefined);
  const master = await masterP;
  if (master?.mtu !== undefined) checkMtu(c.mtu, master.mtu);
  if (c.ipamType !== '') await delegate(ctx, c.ipamType, 'CHECK');
  const prev = prevResultOf(parseBase(ctx.raw), ctx.cniVersion);
  if (!prev) throw new CniError(Code.Internal, 'required prevResult missing');
  checkLinkAndMode({ netns, ifname }, prev, c.want, await contP);
}
