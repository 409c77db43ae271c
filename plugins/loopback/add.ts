import { line, ipBatch, parseLinks } from '../../shared/host/iproute2.ts';
import { assertNetns } from '../../shared/host/netns.ts';
import { parseBase, prevResultOf } from '../../shared/cni/config.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';
import type { Ctx } from '../../shared/cni/skel.ts';

const isLoopbackAddr = (family: string, a: string) => (family === 'inet' ? a.startsWith('127.') : a === '::1');

export async function add(ctx: Ctx): Promise<Result> {
  const conf = parseBase(ctx.raw);
  const prev = prevResultOf(conf, ctx.cniVersion);
  assertNetns(ctx.env.netns);
  // One process: raise lo, then read back its addresses.
  const { outputs } = await ipBatch([line('link', 'set', 'dev', 'lo', 'up'), line('addr', 'show', 'dev', 'lo')], { netns: ctx.env.netns, json: true });
  const lo = parseLinks(outputs[0] ?? [])[0];
  if (!lo) throw new CniError(Code.Internal, 'no loopback interface in the container');
  const addrs = lo.addr_info ?? [];
  const foreign = addrs.find((a) => !isLoopbackAddr(a.family, a.local));
  if (foreign) throw new CniError(Code.Internal, `loopback interface found with non-loopback address "${foreign.local}"`);
  if (prev) return prev;
  const v4 = addrs.find((a) => a.family === 'inet');
  const v6 = addrs.find((a) => a.family === 'inet6');
  return {
    interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ctx.env.netns }],
    ips: [v4, v6].filter((a) => a !== undefined).map((a) => ({ interface: 0, address: `${a.local}/${a.prefixlen}` })),
  };
}
