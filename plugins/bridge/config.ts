// bridge network configuration (containernetworking/plugins `plugins/main/bridge/bridge.go` NetConf; keys in plugins/bridge/README.md): schema, defaults and the cross-key checks.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, goStruct, int, parseConfig } from '../../shared/cni/schema.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import { assertIfname } from '../../shared/cni/validate.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { parseMasqBackend } from '../../shared/host/masq-backend.ts';

const bool = z.optional(z.boolean());

const TrunkSchema = goStruct({
  id: z.optional(z.number().check(z.int())),
  minID: z.optional(z.number().check(z.int())),
  maxID: z.optional(z.number().check(z.int())),
});

export const BridgeConfSchema = goObject({
  ...baseShape,
  bridge: z.optional(z.string()),
  isGateway: bool,
  isDefaultGateway: bool,
  forceAddress: bool,
  ipMasq: bool,
  ipMasqBackend: z.optional(z.string()),
  mtu: z.optional(int()),
  hairpinMode: bool,
  promiscMode: bool,
  vlan: z.optional(int()),
  vlanTrunk: z.optional(z.array(TrunkSchema)),
  preserveDefaultVlan: bool,
  macspoofchk: bool,
  enabledad: bool,
  disableContainerInterface: bool,
  portIsolation: bool,
});
export type BridgeConfRaw = z.infer<typeof BridgeConfSchema>;
export type Trunk = z.infer<typeof TrunkSchema>;

export interface BridgeConf {
  raw: BridgeConfRaw;
  name: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  ipMasqBackend?: 'iptables' | 'nftables';
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  vlan: number;
  /** Sorted, deduplicated trunk VLAN ids; undefined when `vlanTrunk` is absent. */
  trunk?: number[];
  preserveDefaultVlan: boolean;
  macspoofchk: boolean;
  enabledad: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** IPAM plugin type, '' in L2 mode. */
  ipamType: string;
  /** Container MAC requested through runtimeConfig.mac, args.cni.mac or CNI_ARGS MAC=. */
  mac?: string;
}

/** Go's collectVlanTrunk: every id 1..4094, ranges need both ends; result sorted and unique. */
export function collectVlanTrunk(trunks: readonly Trunk[]): number[] {
  const ids = new Set<number>();
  for (const t of trunks) {
    if (t.minID !== undefined && t.maxID !== undefined) {
      if (t.minID <= 0 || t.minID > 4094) throw invalidConfig('vlanTrunk: incorrect trunk minID parameter');
      if (t.maxID <= 0 || t.maxID > 4094) throw invalidConfig('vlanTrunk: incorrect trunk maxID parameter');
      if (t.maxID < t.minID) throw invalidConfig('vlanTrunk: minID is greater than maxID in trunk parameter');
      for (let v = t.minID; v <= t.maxID; v++) ids.add(v);
    }
    if (t.minID === undefined && t.maxID !== undefined) throw invalidConfig('vlanTrunk: minID and maxID should be configured simultaneously, minID is missing');
    if (t.minID !== undefined && t.maxID === undefined) throw invalidConfig('vlanTrunk: minID and maxID should be configured simultaneously, maxID is missing');
    if (t.id !== undefined) {
      if (t.id <= 0 || t.id > 4094) throw invalidConfig('vlanTrunk: incorrect trunk id parameter');
      ids.add(t.id);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A unicast Ethernet MAC in lower case; anything else is refused before it reaches `ip`. */
export function parseMac(s: string, field: string): string {
  if (!MAC_RE.test(s)) throw invalidConfig(`failed to make veth pair: ${field}: invalid MAC address "${s}"`);
  if (parseInt(s.slice(0, 2), 16) & 1) throw invalidConfig(`failed to make veth pair: ${field}: "${s}" is a multicast MAC address`);
  return s.toLowerCase();
}

/** runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=. */
export function pickMac(raw: BridgeConfRaw, cniArgs: Map<string, string>): string | undefined {
  const rc = raw.runtimeConfig?.mac;
  const cni = (raw.args as { cni?: { mac?: unknown } } | undefined)?.cni?.mac;
  // Go decodes both into a string field: any other JSON type fails the whole config.
  if (rc != null && typeof rc !== 'string') throw invalidConfig('runtimeConfig.mac: must be a string');
  if (cni != null && typeof cni !== 'string') throw invalidConfig('args.cni.mac: must be a string');
  if (typeof rc === 'string' && rc !== '') return parseMac(rc, 'runtimeConfig.mac');
  if (typeof cni === 'string' && cni !== '') return parseMac(cni, 'args.cni.mac');
  const env = cniArgs.get('MAC');
  if (env !== undefined && env !== '') return parseMac(env, 'CNI_ARGS MAC');
  return undefined;
}

export function loadConf(rawInput: unknown, cniArgs = ''): BridgeConf {
  const raw = parseConfig(BridgeConfSchema, rawInput, 'failed to load netconf');
  const vlan = raw.vlan ?? 0;
  if (vlan < 0 || vlan > 4094) throw invalidConfig(`invalid VLAN ID ${vlan} (must be between 0 and 4094)`);
  const trunk = raw.vlanTrunk ? collectVlanTrunk(raw.vlanTrunk) : undefined;
  const bridge = raw.bridge ?? 'cni0';
  assertIfname(bridge, 'bridge');
  if (vlan !== 0 && Buffer.byteLength(`${bridge}.${vlan}`) > 15) throw invalidConfig(`bridge: "${bridge}.${vlan}" (the VLAN gateway interface) is too long`);
  const mtu = raw.mtu ?? 0;
  if (mtu < 0 || mtu > 65535) throw invalidConfig(`mtu: ${mtu} is out of range`);
  const ipMasqBackend = parseMasqBackend(raw.ipMasqBackend);
  const ipamType = raw.ipam?.type ?? '';
  const disableContainerInterface = raw.disableContainerInterface ?? false;
  if (ipamType !== '' && disableContainerInterface) throw invalidConfig('cannot use IPAM when DisableContainerInterface flag is set');
  const isDefaultGateway = raw.isDefaultGateway ?? false;
  const hairpinMode = raw.hairpinMode ?? false;
  const promiscMode = raw.promiscMode ?? false;
  if (hairpinMode && promiscMode) throw invalidConfig('cannot set hairpin mode and promiscuous mode at the same time');
  const args = parseCniArgs(cniArgs, ['MAC']);
  const mac = pickMac(raw, args);
  return {
    raw,
    name: raw.name,
    bridge,
    isGateway: (raw.isGateway ?? false) || isDefaultGateway,
    isDefaultGateway,
    forceAddress: raw.forceAddress ?? false,
    ipMasq: raw.ipMasq ?? false,
    ...(ipMasqBackend ? { ipMasqBackend } : {}),
    mtu,
    hairpinMode,
    promiscMode,
    vlan,
    ...(trunk ? { trunk } : {}),
    preserveDefaultVlan: raw.preserveDefaultVlan ?? false,
    macspoofchk: raw.macspoofchk ?? false,
    enabledad: raw.enabledad ?? false,
    disableContainerInterface,
    portIsolation: raw.portIsolation ?? false,
    ipamType,
    ...(mac ? { mac } : {}),
  };
}
