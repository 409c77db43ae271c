// The iptables port mapper: plans (iptables-plan.ts) applied to the nat table, one transaction per
// family (see shared/host/iptables-txn.ts); IPv4 and IPv6 run side by side.
import { flushUdpPorts } from '../../shared/host/conntrack.ts';
import { CniError, Code, wrap } from '../../shared/cni/errors.ts';
import { saveTable, type TableDump } from '../../shared/host/iptables.ts';
import { transactTable, trySaveTable } from '../../shared/host/iptables-txn.ts';
import type { ContainerIp, PortmapConf } from './config.ts';
import { checkProblem, dnChain, planAdd, planDel, planGc, udpPortsOf } from './iptables-plan.ts';
import { udpPorts, type PortMapper } from './mapper.ts';
import type { Family } from '../../shared/host/addr.ts';

/** Read, plan, apply; retried on conflicting concurrent changes. Returns the dump used. */
export const transact = (family: Family, plan: (dump: TableDump) => string[], first?: TableDump): Promise<TableDump> =>
  transactTable(family, 'nat', plan, first);

/** iptables-save -t nat, or undefined when this iptables flavour does not work here. */
export const trySave = (family: Family): Promise<TableDump | undefined> => trySaveTable(family, 'nat');

/** The mapper, planning first from the nat tables already read (`dumps`; undefined: unusable). */
export function iptablesMapper(dumps: ReadonlyMap<Family, TableDump | undefined>): PortMapper {
  return {
    async forward(conf, cid, cips) {
      // IPv4 and IPv6 are separate tables and transactions: apply both at once, then fail if either did.
      const rs = await Promise.allSettled(cips.map((cip) => forwardFamily(conf, cid, cip, dumps.get(cip.family))));
      const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!bad) return;
      // Undo only the families this call committed and whose container chain it created: a chain
      // that was there before belongs to an earlier ADD of this container, which stays attached.
      const made = cips.filter((_, i) => {
        const r = rs[i]!;
        return r.status === 'fulfilled' && r.value;
      });
      await Promise.all(made.map((c) => transact(c.family, (d) => planDel(conf.name, cid, d)))).catch(() => undefined);
      throw bad.reason;
    },

    async unforward(conf, cid) {
      const families: Family[] = [4, 6];
      const read = families.map((f) => dumps.get(f));
      if (!read.some((d) => d !== undefined)) throw new CniError(Code.Internal, 'neither iptables nor ip6tables is usable');
      const chain = dnChain(conf.name, cid);
      await Promise.all(
        families.map(async (f, i) => {
          const dump = read[i];
          if (!dump || planDel(conf.name, cid, dump).length === 0) return;
          const udp = conf.mappings.length ? udpPorts(conf) : udpPortsOf(chain, dump);
          await transact(f, (d) => planDel(conf.name, cid, d), dump);
          if (udp.length) await flushUdpPorts(f, udp);
        }),
      );
    },

    async check(conf, cid, cips) {
      for (const cip of cips) {
        const dump = dumps.get(cip.family) ?? (await saveTable(cip.family, 'nat'));
        const p = checkProblem(conf, cid, cip, dump);
        if (p) throw new CniError(Code.Internal, `could not check ipv${cip.family} dnat: ${p}`);
      }
    },

    async gc(net, keep) {
      await Promise.all(
        ([4, 6] as const).map(async (f) => {
          const dump = dumps.get(f) ?? (await trySave(f));
          if (dump && planGc(net, keep, dump).length) await transact(f, (d) => planGc(net, keep, d), dump);
        }),
      );
    },
  };
}

/** Apply one family's ADD; true when it created the container's chain (it was not there before). */
async function forwardFamily(conf: PortmapConf, cid: string, cip: ContainerIp, dump: TableDump | undefined): Promise<boolean> {
  let created = false;
  try {
    await transact(
      cip.family,
      (d) => {
        created = !d.chains.has(dnChain(conf.name, cid));
        return planAdd(conf, cid, cip, d);
      },
      dump,
    );
    return created;
  } catch (e) {
    throw wrap(`failed to set up ipv${cip.family} port forwarding`, e);
  }
}
