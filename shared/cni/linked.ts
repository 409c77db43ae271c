// IPAM plugins of this build linked into a main plugin's executable (Plugin.linked): a delegation
// to one of them (delegate.ts) runs in the calling process when the executable CNI_PATH names is
// that plugin of this same build: the same code, without a second process start-up (~40 ms).
// Any other executable of that name (the Go one, another build) is exec'd.
import type { Plugin } from './skel.ts';

const linked = new Map<string, Plugin>();

/** Called by runPlugin for each of Plugin.linked, under the plugin's own name (its `type`). */
export function linkInProcess(plugin: Plugin): void {
  linked.set(plugin.name, plugin);
}

export const linkedPlugin = (type: string): Plugin | undefined => linked.get(type);
