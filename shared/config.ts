// The generic network-configuration keys every plugin reads (spec "Plugin configuration objects", "Deriving request configuration from plugin configuration"; containernetworking/cni `CONVENTIONS.md`).
import * as z from 'zod';
import { DnsSchema, parseResult, type Result } from './result.ts';
import { goObject, goStruct, parseConfig } from './schema.ts';
import { CniError, Code } from './errors.ts';

export const AttachmentSchema = goStruct({ containerID: z.string(), ifname: z.string() });
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Keys of the generic netconf; a plugin's schema spreads these into its own shape. */
export const baseShape = {
  cniVersion: z.string().optional(),
  name: z.string(),
  type: z.string().optional(),
  capabilities: z.record(z.string(), z.unknown()).optional(),
  ipam: goObject({ type: z.string().optional() }).optional(),
  dns: DnsSchema.optional(),
  prevResult: z.record(z.string(), z.unknown()).optional(),
  runtimeConfig: z.record(z.string(), z.unknown()).optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  'cni.dev/valid-attachments': z.array(AttachmentSchema).optional(),
  'cni.dev/attachments': z.array(AttachmentSchema).optional(),
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
