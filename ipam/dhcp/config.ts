// dhcp IPAM's configuration (containernetworking/plugins `plugins/ipam/dhcp/main.go` IPAMConfig)
// and the DHCP options it turns into (`options.go` prepareOptions, parseOptionName).
import * as z from 'zod/mini';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { goObject, goStruct, int, parseConfig } from '../../shared/cni/schema.ts';
import { pathProblem } from '../../shared/cni/validate.ts';
import { Opt } from './packet.ts';

export const DEFAULT_SOCKET = '/run/cni/dhcp.sock';

const ProvideSchema = goStruct({
  option: z.string(),
  value: z.optional(z.string()),
  fromArg: z.optional(z.string()),
});
const RequestSchema = goStruct({
  skipDefault: z.optional(z.boolean()),
  option: z.optional(z.string()),
});
const IpamSchema = goObject({
  type: z.string(),
  daemonSocketPath: z.optional(z.string()),
  provide: z.optional(z.array(ProvideSchema)),
  request: z.optional(z.array(RequestSchema)),
  priority: z.optional(int()),
});
const ConfSchema = goObject({ name: z.string(), ipam: IpamSchema });

export type DhcpIpam = z.infer<typeof IpamSchema>;

/** The keys the plugin side needs (the daemon parses the same stdin again). */
export function loadConf(raw: unknown): { name: string; ipam: DhcpIpam; socketPath: string } {
  const c = parseConfig(ConfSchema, raw);
  const socketPath = c.ipam.daemonSocketPath || DEFAULT_SOCKET;
  const p = pathProblem(socketPath);
  if (p) throw new CniError(Code.InvalidNetworkConfig, `ipam.daemonSocketPath: ${p}`);
  return { name: c.name, ipam: c.ipam, socketPath };
}

const NAMED: Record<string, number> = {
  'dhcp-client-identifier': Opt.ClientId,
  'subnet-mask': Opt.SubnetMask,
  routers: Opt.Router,
  'host-name': Opt.HostName,
  'user-class': 77,
  'vendor-class-identifier': Opt.ClassId,
};

/** An option by name or number (0–255), as the reference's parseOptionName. */
export function optionCode(name: string, field: string): number {
  const named = NAMED[name];
  if (named !== undefined) return named;
  if (/^\d+$/.test(name) && Number(name) <= 255) return Number(name);
  throw new CniError(Code.InvalidNetworkConfig, `${field}: can not parse option "${name}": not a known option name or a number from 0 to 255`);
}

/** The reference's default parameter request list. */
export const DEFAULT_REQUEST = [Opt.Router, Opt.SubnetMask];

export interface ClientOptions {
  /** options sent as given (code, value) */
  provide: Array<[number, string]>;
  /** the parameter request list */
  request: number[];
}

/**
 * `provide` values (literal, or from a CNI_ARGS key such as K8S_POD_NAME) and the `request` list
 * with the default router + subnet mask unless a `skipDefault` says otherwise.
 */
export function clientOptions(ipam: DhcpIpam, cniArgs: string): ClientOptions {
  const args = new Map<string, string>();
  for (const pair of cniArgs.split(';')) {
    const i = pair.indexOf('=');
    if (i > 0) args.set(pair.slice(0, i), pair.slice(i + 1));
  }
  const provide: Array<[number, string]> = [];
  for (const [i, p] of (ipam.provide ?? []).entries()) {
    const code = optionCode(p.option, `ipam.provide[${i}].option`);
    for (const [v, from] of [
      [p.value, 'value'],
      [p.fromArg !== undefined ? args.get(p.fromArg) : undefined, `fromArg ${p.fromArg}`],
    ] as const) {
      if (v === undefined || v === '') continue;
      if (Buffer.byteLength(v) > 255) throw new CniError(Code.InvalidNetworkConfig, `ipam.provide[${i}]: value too long for option "${p.option}" (${from})`);
      provide.push([code, v]);
    }
  }
  const request: number[] = [];
  let skipDefault = false;
  for (const [i, r] of (ipam.request ?? []).entries()) {
    if (r.skipDefault) skipDefault = true;
    if (!r.option) continue;
    const code = optionCode(r.option, `ipam.request[${i}].option`);
    if (!request.includes(code)) request.push(code);
  }
  if (!skipDefault) for (const c of DEFAULT_REQUEST) if (!request.includes(c)) request.push(c);
  return { provide, request };
}

/** The daemon's key for one attachment: `<containerID>/<network>/<ifname>`, at most 254 bytes (the reference's generateClientID). */
export const clientId = (containerId: string, network: string, ifname: string): string => `${containerId}/${network}/${ifname}`.slice(0, 254);
