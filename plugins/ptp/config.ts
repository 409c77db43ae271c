// ptp network configuration (containernetworking/plugins `plugins/main/ptp/ptp.go` NetConf; keys in plugins/ptp/README.md).
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { invalidConfig } from '../../shared/cni/errors.ts';
import type { Backend } from '../../shared/host/iptables.ts';
import { parseMasqBackend } from '../../shared/host/masq-backend.ts';

export const PtpConfSchema = goObject({
  ...baseShape,
  ipMasq: z.optional(z.boolean()),
  ipMasqBackend: z.optional(z.string()),
  mtu: z.optional(int()),
});
export type PtpConfRaw = z.infer<typeof PtpConfSchema>;

export interface PtpConf {
  raw: PtpConfRaw;
  name: string;
  ipMasq: boolean;
  ipMasqBackend?: Backend;
  /** 0: the kernel's default */
  mtu: number;
  /** IPAM plugin type; '' when absent (ADD and CHECK then fail as the reference does: ptp has no layer-2 mode). */
  ipamType: string;
}

export function loadConf(rawInput: unknown): PtpConf {
  const raw = parseConfig(PtpConfSchema, rawInput, 'failed to load netconf');
  const mtu = raw.mtu ?? 0;
  if (mtu < 0 || mtu > 65535) throw invalidConfig(`mtu: ${mtu} is out of range`);
  const ipMasqBackend = parseMasqBackend(raw.ipMasqBackend);
  return {
    raw,
    name: raw.name,
    ipMasq: raw.ipMasq ?? false,
    ...(ipMasqBackend ? { ipMasqBackend } : {}),
    mtu,
    ipamType: raw.ipam?.type ?? '',
  };
}
