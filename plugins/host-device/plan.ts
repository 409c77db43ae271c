// The pure part of host-device: which node link the config names (host-device.go getLink), which
// container link is the device ADD moved in (found by name, alias, saved ifindex or MAC, so DEL
// works after a rename inside the container: upstream issue #773), the saved state, and the batch
// lines of each move through the temporary namespace.
import { CniError, Code } from '../../shared/cni/errors.ts';
import { line, type Link, type PlannedLine } from '../../shared/host/iproute2.ts';
import type { Selector } from './config.ts';

/** The fields `ip -d -j link show` adds that LinkSchema keeps as unknown keys. */
export interface LinkExtras {
  ifalias?: string;
  parentbus?: string;
  parentdev?: string;
}
export const extras = (l: Link): LinkExtras => l as LinkExtras;

/**
 * How a sysfs-named selector (kernelpath, pciBusID, auxiliary deviceID) was resolved: the netdev
 * name listed under the device's `net/` directory when /sys is this namespace's, else the parent
 * device's name, matched against netlink's parentdev (namespace-correct whatever /sys shows).
 */
export type SysfsHit = { name: string } | { parentdev: string } | { none: string };

const notFound = (msg: string) => new CniError(Code.Internal, `failed to find host device: ${msg}`);

/** The node link the selector names; `hit` resolves the sysfs-named selectors. */
export function pickHostDevice(links: readonly Link[], sel: Selector, hit?: SysfsHit): Link {
  const where = 'in the node network namespace';
  switch (sel.by) {
    case 'device': {
      const l = links.find((x) => x.ifname === sel.value);
      if (!l) throw notFound(`device: no link named ${JSON.stringify(sel.value)} ${where}`);
      return l;
    }
    case 'hwaddr': {
      const l = links.find((x) => (x.address ?? '').toLowerCase() === sel.mac);
      if (!l) throw notFound(`hwaddr: no link with MAC ${sel.mac} ${where}`);
      return l;
    }
    default: {
      const field = sel.by === 'deviceID' ? 'runtimeConfig.deviceID' : sel.by;
      if (!hit || 'none' in hit) throw notFound(`${field}: ${hit && 'none' in hit ? hit.none : `no network device for ${JSON.stringify(sel.value)}`}`);
      const l = 'name' in hit ? links.find((x) => x.ifname === hit.name) : links.find((x) => extras(x).parentdev === hit.parentdev);
      const what = 'name' in hit ? `link ${JSON.stringify(hit.name)}` : `link whose parent device is ${JSON.stringify(hit.parentdev)}`;
      if (!l) throw notFound(`${field}: no ${what} ${where}`);
      return l;
    }
  }
}

/** What DEL knows about the device besides CNI_IFNAME. */
export interface ContainerHints {
  /** The node name, when the config names the device by name. */
  device?: string;
  /** Its MAC: `hwaddr`, or the interface in prevResult. */
  mac?: string;
  /** The container-side ifindex saved at ADD. */
  ifindex?: number;
}

/**
 * The device ADD moved in: only a link carrying an alias (the original name) is ever moved out.
 * CNI_IFNAME first; then, when something renamed it inside the container, the saved ifindex, the
 * configured device name as alias, or the MAC.
 */
export function findContainerDevice(links: readonly Link[], ifname: string, h: ContainerHints): Link | undefined {
  const ours = links.filter((l) => (extras(l).ifalias ?? '') !== '' && l.ifname !== 'lo');
  return (
    ours.find((l) => l.ifname === ifname) ??
    (h.ifindex !== undefined ? ours.find((l) => l.ifindex === h.ifindex) : undefined) ??
    (h.device ? ours.find((l) => extras(l).ifalias === h.device) : undefined) ??
    (h.mac ? ours.find((l) => (l.address ?? '').toLowerCase() === h.mac?.toLowerCase()) : undefined)
  );
}

// ---------------------------------------------------------------- saved state

/** What DEL restores: the node name (also in the alias) and whether the device was UP before ADD. */
export interface Saved {
  device: string;
  up: boolean;
  /** Its ifindex in the container, to find it after a rename there. */
  ifindex?: number;
}

export const formatSaved = (s: Saved): string => JSON.stringify(s);

export function parseSaved(text: string | undefined): Saved | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<Saved>;
    if (typeof v.device !== 'string' || typeof v.up !== 'boolean') return undefined;
    return { device: v.device, up: v.up, ...(typeof v.ifindex === 'number' ? { ifindex: v.ifindex } : {}) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- moves

/** `alias ""` clears IFLA_IFALIAS; the empty token is the only literal here (line() refuses empty tokens). */
const clearAlias = (dev: string): string => `${line('link', 'set', 'dev', dev, 'alias')} ""`;

/** In the temporary namespace, on the way in: the container's name, the node name kept in the alias, then into the container. */
export function inLines(node: string, ifname: string, container: string): PlannedLine[] {
  return [
    { line: line('link', 'set', 'dev', node, 'name', ifname), failure: `failed to rename host device "${node}" to "${ifname}"` },
    { line: line('link', 'set', 'dev', ifname, 'alias', node), failure: `failed to set alias to "${node}"` },
    { line: line('link', 'set', 'dev', ifname, 'netns', container), failure: `failed to move "${ifname}" (host: "${node}") to the container namespace` },
  ];
}

/** In the temporary namespace, on the way out: the node name back, the alias cleared, then to the node (`nodeNs`, a /proc path). */
export function outLines(cur: string, node: string, nodeNs: string): PlannedLine[] {
  return [
    ...(cur !== node ? [{ line: line('link', 'set', 'dev', cur, 'name', node), failure: `failed to rename device "${cur}" to "${node}"` }] : []),
    { line: clearAlias(node), failure: `failed to unset alias of "${node}"` },
    { line: line('link', 'set', 'dev', node, 'netns', nodeNs), failure: `failed to move "${node}" to the node namespace` },
  ];
}

/** Undo of `inLines` cut short after `ran` lines: the device, still in the temporary namespace, goes back to the node as it was. */
export function inRollback(node: string, ifname: string, ran: number, nodeNs: string): string[] {
  return outLines(ran >= 1 ? ifname : node, node, nodeNs).map((p) => p.line);
}

/** Undo of `outLines` cut short after `ran` lines: the device goes back into the container under `cur`, alias set. */
export function outRollback(cur: string, node: string, ran: number, container: string, renamed: boolean): string[] {
  const now = renamed && ran >= 1 ? node : cur;
  return [
    ...(now !== cur ? [line('link', 'set', 'dev', now, 'name', cur)] : []),
    line('link', 'set', 'dev', cur, 'alias', node),
    line('link', 'set', 'dev', cur, 'netns', container),
  ];
}
