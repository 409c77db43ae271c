// The CNI_* environment: which variables each verb needs, and their validation (spec "Section 2: Execution Protocol", "Parameters"; containernetworking/cni `pkg/skel/skel.go`).
import { CniError, Code } from './errors.ts';
import { ifnameProblem, isValidId, pathProblem } from './validate.ts';

export const VERBS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type Verb = (typeof VERBS)[number];

export interface CniEnv {
  command: Verb;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string[];
}

// Order and requirements follow Go's skel (which also demands CNI_PATH for every verb but VERSION).
const REQUIRED: Record<Verb, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

export const isVerb = (s: string): s is Verb => (VERBS as readonly string[]).includes(s);

export function readEnv(verb: Verb, env: NodeJS.ProcessEnv = process.env): CniEnv {
  const get = (k: string) => env[k] ?? '';
  const missing = REQUIRED[verb].filter((k) => get(k) === '');
  if (missing.length) {
    throw new CniError(Code.InvalidEnvironmentVariables, `required env variables [${missing.join(',')}] missing`);
  }
  const e: CniEnv = {
    command: verb,
    containerId: get('CNI_CONTAINERID'),
    netns: get('CNI_NETNS'),
    ifname: get('CNI_IFNAME'),
    args: get('CNI_ARGS'),
    path: get('CNI_PATH')
      .split(':')
      .filter((p) => p !== ''),
  };
  if (REQUIRED[verb].includes('CNI_CONTAINERID') && !isValidId(e.containerId)) {
    throw new CniError(Code.InvalidEnvironmentVariables, 'invalid characters in containerID', e.containerId);
  }
  if (REQUIRED[verb].includes('CNI_IFNAME')) {
    const p = ifnameProblem(e.ifname);
    if (p) throw new CniError(Code.InvalidEnvironmentVariables, `CNI_IFNAME: ${p}`, e.ifname);
  }
  if (e.netns !== '' && (verb === 'ADD' || verb === 'CHECK' || verb === 'DEL')) {
    const p = pathProblem(e.netns);
    if (p) throw new CniError(Code.InvalidEnvironmentVariables, `CNI_NETNS: ${p}`, e.netns);
  }
  return e;
}
