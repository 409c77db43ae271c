// Single source of truth for which executables we ship and where their entry points live.
// Shared by bundle.ts, package.ts and install.ts so the list can't drift between steps.
export interface PluginEntry {
  /** executable name, as the container runtime looks it up in /opt/cni/bin */
  name: string;
  /** entry point, relative to the repo root */
  entry: string;
}

export const PLUGINS: readonly PluginEntry[] = [
  { name: 'loopback', entry: 'plugins/loopback/main.ts' },
  { name: 'bridge', entry: 'plugins/bridge/main.ts' },
  { name: 'portmap', entry: 'plugins/portmap/main.ts' },
  { name: 'firewall', entry: 'plugins/firewall/main.ts' },
  { name: 'host-local', entry: 'ipam/host-local/main.ts' },
  { name: 'tuning', entry: 'plugins/tuning/main.ts' },
  { name: 'bandwidth', entry: 'plugins/bandwidth/main.ts' },
  { name: 'sbr', entry: 'plugins/sbr/main.ts' },
  { name: 'vrf', entry: 'plugins/vrf/main.ts' },
  { name: 'dhcp', entry: 'ipam/dhcp/main.ts' },
  { name: 'dnsname', entry: 'plugins/dnsname/main.ts' },
  { name: 'static', entry: 'ipam/static/main.ts' },
  { name: 'flannel', entry: 'plugins/flannel/main.ts' },
  { name: 'vlan', entry: 'plugins/vlan/main.ts' },
  { name: 'dummy', entry: 'plugins/dummy/main.ts' },
  { name: 'host-device', entry: 'plugins/host-device/main.ts' },
  { name: 'tap', entry: 'plugins/tap/main.ts' },
  { name: 'ptp', entry: 'plugins/ptp/main.ts' },
  { name: 'macvlan', entry: 'plugins/macvlan/main.ts' },
  { name: 'ipvlan', entry: 'plugins/ipvlan/main.ts' },
];

/** Filter PLUGINS by names given on the command line (none = all); unknown names are an error. */
export function selectPlugins(names: readonly string[]): PluginEntry[] {
  if (names.length === 0) return [...PLUGINS];
  const unknown = names.filter((n) => !PLUGINS.some((p) => p.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown plugin(s): ${unknown.join(', ')}; known: ${PLUGINS.map((p) => p.name).join(', ')}`);
  }
  return PLUGINS.filter((p) => names.includes(p.name));
}
