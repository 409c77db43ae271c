// GC (spec 1.1; the reference has none): remove this network's IFBs whose attachment is no
// longer valid. Ours carry the alias `cni-ts/bandwidth/<network>`, which tells them from other
// networks' (the name is only a hash); IFBs without it (made by the reference) are left alone.
import { validAttachments } from '../../shared/cni/config.ts';
import { parseConfig } from '../../shared/cni/schema.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { ipBatch, line, parseLinks } from '../../shared/host/iproute2.ts';
import { BandwidthConfSchema } from './config.ts';
import { ifbAlias, ifbName } from './plan.ts';

/** The IFBs to remove: this network's (by alias) whose name no valid attachment gives. */
export function staleIfbs(
  links: ReadonlyArray<{ ifname: string; ifalias?: unknown }>,
  network: string,
  keep: ReadonlyArray<{ containerID: string }>,
): string[] {
  const alias = ifbAlias(network);
  if (!alias) return [];
  const valid = new Set(keep.map((a) => ifbName(network, a.containerID)));
  return links.filter((l) => l.ifalias === alias && !valid.has(l.ifname)).map((l) => l.ifname);
}

export async function gc(ctx: Ctx): Promise<void> {
  const conf = parseConfig(BandwidthConfSchema, ctx.raw, 'failed to parse network configuration');
  const keep = validAttachments(conf);
  // Without a list, nothing can be told stale.
  if (!keep) return;
  const r = await ipBatch([line('link', 'show', 'type', 'ifb')], { json: true });
  const stale = staleIfbs(parseLinks(r.outputs[0] ?? []), ctx.name, keep);
  // -force: one IFB already gone (a concurrent DEL) does not stop the others.
  if (stale.length)
    await ipBatch(
      stale.map((n) => line('link', 'del', 'dev', n)),
      { force: true, allowFail: true },
    );
}
