// dnsname configuration: the keys of containers/dnsname v1.3.1 `plugins/meta/dnsname/config.go`
// (DNSNameConf: domainName, runtimeConfig.aliases) and `main.go` parseConfig (K8S_POD_NAME from
// CNI_ARGS), each value validated before it can reach dnsmasq.conf, addnhosts or a path.
import { join } from 'node:path';
import * as z from 'zod/mini';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, parseConfig } from '../../shared/cni/schema.ts';
import { parseCniArgs } from '../../shared/cni/args.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import { isValidId, pathProblem } from '../../shared/cni/validate.ts';
import type { Result } from '../../shared/cni/result.ts';
import { dnsNameProblem } from './names.ts';

/** config.go `dnsNameConfPath`: the root when XDG_RUNTIME_DIR is empty or unset. */
export const DEFAULT_ROOT = '/run/containers/cni/dnsname';

export const DnsnameConfSchema = goObject({
  ...baseShape,
  domainName: z.optional(z.string('must be a string')),
  runtimeConfig: z.optional(goObject({ aliases: z.optional(z.record(z.string(), z.array(z.string('must be a string')))) })),
});
export type DnsnameConfRaw = z.infer<typeof DnsnameConfSchema>;

export interface DnsnameConf {
  raw: DnsnameConfRaw;
  network: string;
  domain: string;
  /** `runtimeConfig.aliases[<network>]`, validated. */
  aliases: string[];
  /** K8S_POD_NAME, or undefined when the runtime gave none. */
  podName?: string;
  /** `<root>/<network>`: the network's directory. */
  dir: string;
  root: string;
}

/** `<root>`: `$XDG_RUNTIME_DIR/containers/cni/dnsname`, or /run/containers/cni/dnsname. */
export function rootDir(xdgRuntimeDir: string | undefined): string {
  if (!xdgRuntimeDir) return DEFAULT_ROOT;
  const p = pathProblem(xdgRuntimeDir);
  if (p) throw new CniError(Code.InvalidEnvironmentVariables, `XDG_RUNTIME_DIR: ${p}`, xdgRuntimeDir);
  return join(xdgRuntimeDir, 'containers/cni/dnsname');
}

function assertName(field: string, v: string): void {
  const p = dnsNameProblem(v);
  if (p) throw invalidConfig(`${field}: ${JSON.stringify(v)} ${p}`, v);
}

/**
 * The whole configuration, validated: `raw` is the JSON config, `cniArgs` CNI_ARGS, `xdg` the
 * XDG_RUNTIME_DIR of the call. Every value that reaches a file or a path is checked here.
 */
export function parseDnsnameConf(raw: unknown, cniArgs: string, xdg: string | undefined): DnsnameConf {
  const c = parseConfig(DnsnameConfSchema, raw);
  // skel has checked the name already; a path component must never be "." or contain "/".
  if (!isValidId(c.name)) throw invalidConfig(`name: ${JSON.stringify(c.name)} is not a valid network name`, c.name);
  const domain = c.domainName ?? '';
  if (domain === '') throw invalidConfig('domainName: must be set (for example "dns.podman")');
  assertName('domainName', domain);
  const aliases = c.runtimeConfig?.aliases?.[c.name] ?? [];
  for (const [i, a] of aliases.entries()) assertName(`runtimeConfig.aliases.${c.name}[${i}]`, a);
  const args = parseCniArgs(cniArgs, ['K8S_POD_NAME']);
  const pod = args.get('K8S_POD_NAME');
  if (pod !== undefined && pod !== '') {
    const p = dnsNameProblem(pod);
    if (p) throw new CniError(Code.InvalidEnvironmentVariables, `CNI_ARGS K8S_POD_NAME: ${JSON.stringify(pod)} ${p}`, pod);
  }
  const root = rootDir(xdg);
  return { raw: c, network: c.name, domain, aliases, ...(pod ? { podName: pod } : {}), dir: join(root, c.name), root };
}

/** prevResult as ADD and CHECK need it (main.go: "must be called as chained plugin"). */
export function requirePrev(c: DnsnameConf, cniVersion: string): Result {
  if (c.raw.prevResult === undefined) throw invalidConfig('prevResult: missing: dnsname must be called as a chained plugin, after bridge');
  return prevResultOf(c.raw, cniVersion) ?? {};
}
