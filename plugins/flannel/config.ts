// flannel's configuration (flannel-io/cni-plugin `flannel.go` NetConf): the top-level keys are
// struct fields (matched case-insensitively), `delegate`, `ipam` and `runtimeConfig` are Go maps
// whose keys are taken exactly as written.
import * as z from 'zod/mini';
import { baseShape } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { ConfRouteSchema, confRoute } from '../../shared/cni/ip-fields.ts';
import type { Route } from '../../shared/cni/result.ts';
import { goObject, parseConfig } from '../../shared/cni/schema.ts';
import { pathProblem, pluginTypeProblem } from '../../shared/cni/validate.ts';

export const DEFAULT_SUBNET_FILE = '/run/flannel/subnet.env';
export const DEFAULT_DATA_DIR = '/var/lib/cni/flannel';

const GoMap = z.record(z.string(), z.unknown());

export const NetConfSchema = goObject({
  ...baseShape,
  ipam: z.optional(GoMap),
  subnetFile: z.optional(z.string()),
  dataDir: z.optional(z.string()),
  delegate: z.optional(GoMap),
  runtimeConfig: z.optional(GoMap),
});
export type NetConf = z.infer<typeof NetConfSchema>;

export interface FlannelConfig {
  name: string;
  cniVersion: string;
  subnetFile: string;
  dataDir: string;
  conf: NetConf;
}

const err7 = (msg: string) => new CniError(Code.InvalidNetworkConfig, msg);

/** The keys every verb reads: where the subnet file and the saved delegate configs are. */
export function loadConfig(raw: unknown, cniVersion: string): FlannelConfig {
  const conf = parseConfig(NetConfSchema, raw, 'failed to load flannel netconf');
  // "" is Go's zero value, which upstream would use as a path as is; here it means the default.
  const subnetFile = conf.subnetFile || DEFAULT_SUBNET_FILE;
  const dataDir = conf.dataDir || DEFAULT_DATA_DIR;
  for (const [k, v] of [
    ['subnetFile', subnetFile],
    ['dataDir', dataDir],
  ] as const) {
    const p = pathProblem(v);
    if (p) throw err7(`${k}: ${p}`);
  }
  return { name: conf.name, cniVersion, subnetFile, dataDir, conf };
}

/** What ADD adds to the delegate: checked as upstream's cmdAdd does, plus the IPAM routes and type. */
export interface DelegateInput {
  delegate: Record<string, unknown>;
  ipam: Record<string, unknown>;
  routes: Route[];
}

export function delegateInput(conf: NetConf): DelegateInput {
  const delegate = { ...(conf.delegate ?? {}) };
  if ('type' in delegate) {
    if (typeof delegate.type !== 'string') throw err7("'delegate' dictionary, if present, must have (string) 'type' field");
    const p = pluginTypeProblem(delegate.type);
    if (p) throw err7(`delegate.type: ${p}`);
  }
  if ('name' in delegate) throw err7("'delegate' dictionary must not have 'name' field, it'll be set by flannel");
  if ('ipam' in delegate) throw err7("'delegate' dictionary must not have 'ipam' field, it'll be set by flannel");
  const ipam = { ...(conf.ipam ?? {}) };
  if ('type' in ipam) {
    const p = typeof ipam.type === 'string' ? pluginTypeProblem(ipam.type) : 'must be a string';
    if (p) throw err7(`ipam.type: ${p}`);
  }
  const routes = 'routes' in ipam ? parseConfig(z.nullable(z.array(ConfRouteSchema)), ipam.routes, 'failed to parse ipam.routes', 'ipam.routes') : [];
  return { delegate, ipam, routes: (routes ?? []).map(confRoute) };
}
