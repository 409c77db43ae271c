// The generic network-configuration keys every plugin reads (spec "Plugin configuration objects", "Deriving request configuration from plugin configuration"; containernetworking/cni `CONVENTIONS.md`).
import * as z from 'zod/mini';
import { DnsSchema, dnsSet, parseResult, type Result } from './result.ts';
import { goObject, goStruct, parseConfig } from './schema.ts';
import { CniError, Code } from './errors.ts';

export const AttachmentSchema = goStruct({ containerID: z.string(), ifname: z.string() });
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Keys of the generic netconf; a plugin's schema spreads these into its own shape. */
export const baseShape = {
  cniVersion: z.optional(z.string()),
  name: z.string(),
  type: z.optional(z.string()),
  capabilities: z.optional(z.record(z.string(), z.unknown())),
  ipam: z.optional(goObject({ type: z.optional(z.string()) })),
  dns: z.optional(DnsSchema),
  prevResult: z.optional(z.record(z.string(), z.unknown())),
  runtimeConfig: z.optional(z.record(z.string(), z.unknown())),
  args: z.optional(z.record(z.string(), z.unknown())),
  'cni.dev/valid-attachments': z.optional(z.array(AttachmentSchema)),
  'cni.dev/attachments': z.optional(z.array(AttachmentSchema)),
};

export const BaseConfSchema = goObject(baseShape);
export type BaseConf = z.infer<typeof BaseConfSchema>;

/**
 * The attachments GC must keep: `cni.dev/valid-attachments`, or the spec-v1.1.0 tag's
 * `cni.dev/attachments`. undefined when the caller gave no list (cnitool gc does that).
 */
export function validAttachments(conf: BaseConf): Attachment[] | undefined {
  return conf['cni.dev/valid-attachments'] ?? conf['cni.dev/attachments'];
}

/** prevResult in the internal form, or undefined when absent or `{}` (a DEL after a lost cache). */
export function prevResultOf(conf: BaseConf, cniVersion: string): Result | undefined {
  const p = conf.prevResult;
  if (!p || Object.keys(p).length === 0) return undefined;
  try {
    return parseResult(p, cniVersion);
  } catch (e) {
    throw new CniError(Code.DecodingFailure, `failed to parse prevResult: ${(e as Error).message}`);
  }
}

export const parseBase = (raw: unknown): BaseConf => parseConfig(BaseConfSchema, raw);

/** The config's `dns` when it says anything (Go's omitempty), else undefined: main plugins put it in their result. */
export const confDns = (conf: Pick<BaseConf, 'dns'>): BaseConf['dns'] => (dnsSet(conf.dns) ? conf.dns : undefined);
