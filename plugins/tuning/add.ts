// ADD (tuning.go cmdAdd): sysctls, then the originals of the link attributes saved, then MAC,
// promisc, MTU, allmulti and txqueuelen set. Unlike the reference, a failure undoes every change
// this call made (sysctls, attributes, the saved file) before it is reported.
import { assertNetns } from '../../shared/host/netns.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';
import { parseTuningConf, touchesLink } from './config.ts';
import { assertAllowed, readAllowlist } from './allowlist.ts';
import { requirePrev } from './prev.ts';
import { originalsOf, resultWithMac, sysctlSettings, wantedOf } from './plan.ts';
import { applyLink, ADD_ORDER, linkLines, readLink, RESTORE_ORDER } from './link.ts';
import { readAndWrite, restore } from './netns-sysctl.ts';
import { formatSaved, stateFile } from './state.ts';
import { readState, removeState, writeState } from '../../shared/host/state-file.ts';

export async function add(ctx: Ctx): Promise<Result> {
  const { env } = ctx;
  const conf = parseTuningConf(ctx.raw, env.args);
  const allow = readAllowlist();
  if (allow)
    assertAllowed(
      conf.sysctl.map(([k]) => k),
      allow,
    );
  const prev = requirePrev(conf, ctx.cniVersion);
  assertNetns(env.netns);
  const settings = sysctlSettings(conf, env.ifname);
  const link = touchesLink(conf);

  // The sysctls and the read of the link's attributes are independent: one round of processes.
  const [sys, cur] = await Promise.allSettled([
    settings.length ? readAndWrite(env.netns, settings) : Promise.resolve(new Map<string, string>()),
    link ? readLink(env.netns, env.ifname) : Promise.resolve(undefined),
  ]);
  if (sys.status === 'rejected') throw sys.reason;
  const sysOriginals = sys.value;
  if (cur.status === 'rejected') {
    await restore(env.netns, sysOriginals);
    throw cur.reason;
  }
  if (cur.value) {
    const file = stateFile(conf.dataDir, env.containerId, env.ifname);
    const before = readState(file);
    const saved = originalsOf(conf, cur.value);
    try {
      // Saved before anything changes, so a DEL after a killed ADD still finds the originals.
      writeState(conf.dataDir, file, formatSaved(saved));
      const r = await applyLink(env.netns, linkLines(env.ifname, wantedOf(conf), ADD_ORDER), false);
      if (!r.ok) {
        await applyLink(env.netns, linkLines(env.ifname, saved, RESTORE_ORDER), true);
        throw new CniError(Code.Internal, `failed to set ${env.ifname}: ${r.stderr || 'ip link set failed'}`);
      }
    } catch (e) {
      await restore(env.netns, sysOriginals);
      if (before === undefined) removeState(file);
      else writeState(conf.dataDir, file, before);
      throw e;
    }
  }
  return resultWithMac(prev, env.ifname, conf.mac);
}
