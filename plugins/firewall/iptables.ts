// Applying the iptables plans: per family one iptables-save and one iptables-restore --noflush of
// the filter table; IPv4 and IPv6 are separate tables and run side by side.
import { CniError, Code, settleAll } from '../../shared/cni/errors.ts';
import { restore, saveTable } from '../../shared/host/iptables.ts';
import { transactTable, trySaveTable } from '../../shared/host/iptables-txn.ts';
import { lockFile } from '../../shared/host/lock.ts';
import type { TableDump } from '../../shared/host/iptables.ts';
import type { HostAddr } from './config.ts';
import { addrRules, checkProblem, planAdd, planDel, planDeleteRules, type AddWhat } from './plan.ts';
import type { Family } from '../../shared/host/addr.ts';

const TABLE = 'filter';
const SHARED_LOCK = '/run/cni-ts-firewall.lock';
/** A plan line that creates a chain or inserts a jump at the top: shared by every container. */
const createsShared = (l: string): boolean => l.startsWith('-N ') || l.startsWith('-I ');

export const familiesOf = (addrs: readonly HostAddr[]): Family[] => [...new Set(addrs.map((a) => a.family))].sort();
const ofFamily = (addrs: readonly HostAddr[], f: Family) => addrs.filter((a) => a.family === f);

export interface Added {
  family: Family;
  rules: string[];
}

/**
 * ADD for every family the container has an address of. Reports, through `onApplied`, the
 * address rules each successful family appended, so that a failure elsewhere can take them back.
 */
export async function iptablesAdd(addrs: readonly HostAddr[], what: AddWhat, onApplied: (a: Added) => void): Promise<void> {
  await settleAll(
    familiesOf(addrs).map(async (f) => {
      const mine = ofFamily(addrs, f);
      try {
        const plan = (d: TableDump) => planAdd(mine, what, d).lines;
        let dump = await saveTable(f, TABLE);
        if (plan(dump).some(createsShared)) {
          // The first ADD of a host creates the shared chains and jumps. iptables-nft does not refuse a
          // second `-N` of a chain made meanwhile, so two first ADDs could both insert the FORWARD
          // jump: those plans run under a host-wide lock. The usual ADD takes none.
          const lock = await lockFile(SHARED_LOCK);
          try {
            dump = await transactTable(f, TABLE, plan);
          } finally {
            lock.release();
          }
        } else dump = await transactTable(f, TABLE, plan, dump);
        onApplied({ family: f, rules: planAdd(mine, what, dump).added });
      } catch (e) {
        throw new CniError(Code.Internal, `failed to set up the ipv${f} firewall rules: ${(e as Error).message}`);
      }
    }),
  );
}

/** Take back exactly the address rules an ADD appended (a failed ADD). */
export async function iptablesUndo(added: readonly Added[], keep: ReadonlySet<string>): Promise<void> {
  await Promise.all(
    added.map(async ({ family, rules }) => {
      const kept = new Set([...keep].flatMap((cidr) => addrRules({ family, cidr })));
      const doomed = rules.filter((r) => !kept.has(r));
      if (doomed.length) await transactTable(family, TABLE, (d) => planDeleteRules(doomed, d));
    }),
  );
}

/**
 * DEL: the address rules of `addrs` not kept for other attachments. The common case (all rules
 * present) is one iptables-restore per family; only when that fails is the table read and the
 * deletion planned from what is there. A family whose iptables does not work here has no rules.
 */
export async function iptablesDel(addrs: readonly HostAddr[], keep: ReadonlySet<string>): Promise<void> {
  await settleAll(
    familiesOf(addrs).map(async (f) => {
      const mine = ofFamily(addrs, f);
      // Planned as if every rule were there.
      const blind = planDel(mine, keep, { chains: new Set(), rules: mine.flatMap(addrRules) });
      if (blind.length === 0) return;
      try {
        await restore(f, TABLE, blind);
        return;
      } catch {
        /* some rule is already gone (or the table unusable): plan from what is there */
      }
      const dump = await trySaveTable(f, TABLE);
      if (!dump || planDel(mine, keep, dump).length === 0) return;
      await transactTable(f, TABLE, (d) => planDel(mine, keep, d), dump);
    }),
  );
}

/** CHECK: the first missing rule of any family, as the reference words it. */
export async function iptablesCheck(addrs: readonly HostAddr[], what: AddWhat): Promise<void> {
  for (const f of familiesOf(addrs)) {
    const p = checkProblem(ofFamily(addrs, f), what, await saveTable(f, TABLE));
    if (p) throw new CniError(Code.Internal, p);
  }
}
