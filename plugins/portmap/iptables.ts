// Applying iptables plans: read the nat table with one iptables-save, write with one
// iptables-restore --noflush. Plans are computed from what was read; if another process changed
// the table in between, the transaction fails as a whole (`-N` of an existing chain, `-D` of a
// vanished rule) and is re-planned from a fresh read.
import { restore, saveTable, type TableDump } from '../../shared/iptables.ts';
import type { Family } from './config.ts';

const ATTEMPTS = 6;

/** Read, plan, apply; retried on conflicting concurrent changes. Returns the dump used. */
export async function transact(family: Family, plan: (dump: TableDump) => string[], first?: TableDump): Promise<TableDump> {
  let dump = first ?? (await saveTable(family, 'nat'));
  for (let attempt = 1; ; attempt++) {
    const lines = plan(dump);
    try {
      await restore(family, 'nat', lines);
      return dump;
    } catch (e) {
      if (attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      dump = await saveTable(family, 'nat');
    }
  }
}

/** iptables-save -t nat, or undefined when this iptables flavour does not work here. */
export async function trySave(family: Family): Promise<TableDump | undefined> {
  try {
    return await saveTable(family, 'nat');
  } catch {
    return undefined;
  }
}
