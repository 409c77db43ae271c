// dummy network configuration (containernetworking/plugins `plugins/main/dummy/dummy.go`: the generic
// keys only; keys in plugins/dummy/README.md).
import { BaseConfSchema, type BaseConf } from '../../shared/cni/config.ts';
import { parseConfig } from '../../shared/cni/schema.ts';
import { ipamTypeOf } from '../../shared/cni/attach.ts';

export interface DummyConf {
  raw: BaseConf;
  name: string;
  /** '' only where IPAM is not required (DEL). */
  ipamType: string;
}

/** `needIpam`: ADD, CHECK and STATUS refuse a config without IPAM, as upstream; DEL still deletes the link. */
export function loadConf(rawInput: unknown, needIpam = true): DummyConf {
  const raw = parseConfig(BaseConfSchema, rawInput, 'failed to parse network config');
  return { raw, name: raw.name, ipamType: ipamTypeOf(raw, needIpam ? 'dummy' : undefined) };
}
