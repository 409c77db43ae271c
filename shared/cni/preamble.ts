// The answers that need no plugin code, and what passes between an executable's launcher
// (launch.ts) and its plugin bundle. Kept apart from launch.ts so that a plugin bundle, which
// answers these too when run alone (skel.ts serve), never loads the launcher's modules.
import { BUILD_TAG } from './build-id.ts';
import { isVerb, type Verb } from './env.ts';
import { CniError, Code, printJson } from './errors.ts';
import { CURRENT_VERSION, SUPPORTED_VERSIONS } from './version.ts';

/** SEA asset names: the plugin bundle as a function expression, and its warmed V8 code cache. */
export const PLUGIN_ASSET = 'plugin.js';
export const CACHE_ASSET = 'plugin.cache';

/**
 * What the launcher hands the plugin bundle (build/bundle.ts wraps it in a function taking it):
 * `warm` asks runPlugin() (skel.ts) to warm instead of serving, and it reports the plugin's name.
 */
export interface Launch {
  warm: boolean;
  name?: string;
}

/** The bundle's wrapper: (require, __filename, __dirname, launch) => the entry point's promise. */
export type PluginMain = (req: NodeJS.Require, filename: string, dirname: string, launch?: Launch) => Promise<void>;

/** A call's answer: text for stdout (fd 1) or stderr (fd 2), and the exit code. */
export interface Answer {
  fd: 1 | 2;
  text: string;
  code: number;
}

/** The verbs that run plugin code. */
export type PluginVerb = Exclude<Verb, 'VERSION'>;

/**
 * The answer to a call that needs no plugin code, or else its verb: no CNI_COMMAND (the about text),
 * an unknown command (the error in the current version), VERSION (the versions this build serves:
 * stdin and the rest of the environment never change it, as in Go's skel for our plugins).
 */
export function preamble(name: string, cmd: string): Answer | PluginVerb {
  if (cmd === '') {
    const text = `CNI ${name} plugin (cni-ts${BUILD_TAG ? ` ${BUILD_TAG}` : ''})\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`;
    return { fd: 2, text, code: 0 };
  }
  if (!isVerb(cmd)) {
    const e = new CniError(Code.InvalidEnvironmentVariables, `unknown CNI_COMMAND: ${cmd}`);
    return { fd: 1, text: printJson(e.toJSON(CURRENT_VERSION)), code: 1 };
  }
  if (cmd === 'VERSION') return { fd: 1, text: JSON.stringify({ cniVersion: CURRENT_VERSION, supportedVersions: SUPPORTED_VERSIONS }), code: 0 };
  return cmd;
}
