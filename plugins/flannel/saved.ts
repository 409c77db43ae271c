// The delegate configuration saved at ADD for DEL: `<dataDir>/<containerID>` as upstream names it
// (flannel-io/cni-plugin `flannel.go` saveScratchNetConf), 0600 in a 0700 directory, synced.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isValidId } from '../../shared/cni/validate.ts';
import { readState, removeState, writeState } from '../../shared/host/state-file.ts';

export const savedPath = (dataDir: string, containerId: string): string => join(dataDir, containerId);
export const save = (dataDir: string, containerId: string, bytes: string): void => writeState(dataDir, savedPath(dataDir, containerId), bytes);
export const load = (dataDir: string, containerId: string): string | undefined => readState(savedPath(dataDir, containerId));
export const forget = (dataDir: string, containerId: string): void => removeState(savedPath(dataDir, containerId));

/** Container IDs with a saved configuration (names that could not be one are not ours). */
export function savedIds(dataDir: string): string[] {
  try {
    return readdirSync(dataDir).filter(isValidId);
  } catch {
    return [];
  }
}

/** The `type` and `name` of a saved configuration, or undefined when it is not one. */
export function savedHeader(bytes: string): { type: string; name: unknown } | undefined {
  try {
    const o = JSON.parse(bytes) as Record<string, unknown> | null;
    if (o && typeof o === 'object' && typeof o.type === 'string' && o.type !== '') return { type: o.type, name: o.name };
  } catch {
    // not JSON
  }
  return undefined;
}
