// vrf configuration: the keys of containernetworking/plugins `plugins/meta/vrf/main.go`
// (VRFNetConf: `vrfname`, `table`), validated before anything reaches an `ip` command line.
import * as z from 'zod/mini';
import { baseShape, prevResultOf } from '../../shared/cni/config.ts';
import { goObject, int, parseConfig } from '../../shared/cni/schema.ts';
import { CniError, Code, invalidConfig } from '../../shared/cni/errors.ts';
import { ifnameProblem } from '../../shared/cni/validate.ts';
import type { Result } from '../../shared/cni/result.ts';

export const VrfConfSchema = goObject({
  ...baseShape,
  vrfname: z.optional(z.string('must be a string')),
  // uint32; 0 (or absent) lets the plugin choose
  table: z.optional(int(0, 2 ** 32 - 1)),
});

export interface VrfConf {
  raw: z.infer<typeof VrfConfSchema>;
  vrfname: string;
  /** 0: the lowest id no other VRF uses */
  table: number;
}

export function parseVrfConf(raw: unknown): VrfConf {
  const c = parseConfig(VrfConfSchema, raw, 'failed to load netconf');
  const name = c.vrfname ?? '';
  // The reference lets an empty name reach netlink; the VRF is a link, so it is a link name.
  if (name === '') throw invalidConfig('vrfname: configuration is expected to have a valid vrf name');
  const p = ifnameProblem(name);
  if (p) throw invalidConfig(`vrfname: ${p}`, name);
  return { raw: c, vrfname: name, table: c.table ?? 0 };
}

/** prevResult, which ADD and CHECK require ("missing prevResult from earlier plugin"). */
export function requirePrev(c: VrfConf, cniVersion: string): Result {
  const prev = prevResultOf(c.raw, cniVersion);
  if (!prev) throw new CniError(Code.Internal, 'missing prevResult from earlier plugin');
  return prev;
}
