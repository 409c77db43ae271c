// The saved original link attributes: tuning.go createBackup/restoreBackup's file
// `<dataDir>/<containerID>_<ifname>.json`, json.MarshalIndent(configToRestore, "", " "), so either
// implementation can restore what the other saved. Written atomically (shared/host/state-file.ts)
// where the reference writes in place, so a killed ADD never leaves half a file.
import * as z from 'zod/mini';
import { join } from 'node:path';
import { goObject, int } from '../../shared/cni/schema.ts';

/** configToRestore: fields and order as in tuning.go (txQLen is upstream's, after 1.1.1). */
export const SavedSchema = goObject({
  mac: z.optional(z.string()),
  promisc: z.optional(z.boolean()),
  mtu: z.optional(int()),
  allmulti: z.optional(z.boolean()),
  txQLen: z.optional(int()),
});
export interface Saved {
  mac?: string;
  promisc?: boolean;
  mtu?: number;
  allmulti?: boolean;
  txQLen?: number;
}

export const stateFile = (dataDir: string, containerId: string, ifname: string): string => join(dataDir, `${containerId}_${ifname}.json`);

/** Go's MarshalIndent with one-space indent and omitempty: "" and 0 left out, {} when empty. */
export function formatSaved(s: Saved): string {
  const o: Record<string, unknown> = {};
  if (s.mac) o.mac = s.mac;
  if (s.promisc !== undefined) o.promisc = s.promisc;
  if (s.mtu) o.mtu = s.mtu;
  if (s.allmulti !== undefined) o.allmulti = s.allmulti;
  if (s.txQLen !== undefined) o.txQLen = s.txQLen;
  return JSON.stringify(o, null, 1);
}

/** undefined for content the reference could not decode either (it then restores nothing). */
export function parseSaved(text: string): Saved | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = SavedSchema.safeParse(v);
  if (!r.success) return undefined;
  const out: Saved = {};
  const d = r.data;
  if (d.mac) out.mac = d.mac;
  if (d.promisc !== undefined) out.promisc = d.promisc;
  if (d.mtu) out.mtu = d.mtu;
  if (d.allmulti !== undefined) out.allmulti = d.allmulti;
  if (d.txQLen !== undefined) out.txQLen = d.txQLen;
  return out;
}
