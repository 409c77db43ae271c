// Helpers for the flannel conformance tests: a subnet file as flanneld writes it, the standard
// kube-flannel conflist pointed at private directories, and direct calls of our flannel.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../lib/registry.ts';
import { ourBin, runPlugin, type PluginResult } from '../lib/plugin.ts';

export interface Node {
  /** FLANNEL_NETWORK, e.g. 10.151.0.0/16 */
  network: string;
  /** FLANNEL_SUBNET as flanneld writes it (lease network + 1), e.g. 10.151.1.1/24 */
  subnet: string;
  mtu?: number;
  ipMasq?: boolean;
}

/** A subnet file as flannel-io/flannel `pkg/subnet/subnet.go` WriteSubnetFile writes it. */
export async function writeSubnetEnv(n: Node, dir?: string): Promise<string> {
  const d = dir ?? (await makeTempDir('flannel-run'));
  const file = join(d, 'subnet.env');
  await writeFile(file, `FLANNEL_NETWORK=${n.network}\nFLANNEL_SUBNET=${n.subnet}\nFLANNEL_MTU=${n.mtu ?? 1450}\nFLANNEL_IPMASQ=${n.ipMasq ?? true}\n`);
  return file;
}

export interface Dirs {
  subnetFile: string;
  dataDir: string;
  /** host-local's lease directory (through flannel's `ipam` key) */
  ipamDir: string;
}

export async function dirs(n: Node): Promise<Dirs> {
  return { subnetFile: await writeSubnetEnv(n), dataDir: await makeTempDir('flannel-data'), ipamDir: await makeTempDir('flannel-ipam') };
}

/** The conflist of the issue (kube-flannel's), with private directories, network and bridge names. */
export function standardConflist(name: string, bridge: string, d: Dirs, cniVersion = '0.3.1'): Record<string, unknown> & { name: string } {
  return {
    name,
    cniVersion,
    plugins: [
      {
        type: 'flannel',
        subnetFile: d.subnetFile,
        dataDir: d.dataDir,
        ipam: { dataDir: d.ipamDir },
        delegate: { hairpinMode: true, isDefaultGateway: true, bridge },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** The flannel plugin's own config (one element of the conflist) as a netconf for a direct call. */
export function flannelConf(name: string, bridge: string, d: Dirs, cniVersion = '1.1.0', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const plugin = (standardConflist(name, bridge, d, cniVersion).plugins as Array<Record<string, unknown>>)[0]!;
  return { cniVersion, name, ...plugin, ...extra };
}

export function flannel(command: string, conf: object, env: { containerId?: string; netns?: string; path?: string } = {}): Promise<PluginResult> {
  const attach = command === 'GC' || command === 'STATUS' ? {} : { containerId: env.containerId ?? 'c1', ifname: 'eth0' };
  return runPlugin(
    ourBin('flannel'),
    { command, ...attach, ...(env.netns !== undefined ? { netns: env.netns } : {}), ...(env.path ? { path: env.path } : {}) },
    conf,
  );
}
