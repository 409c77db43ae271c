// Read-plan-apply for one iptables table: one iptables-save, one iptables-restore --noflush. Plans
// are computed from what was read; if another process changed the table in between, the
// transaction fails as a whole (`-N` of an existing chain, `-D` of a vanished rule) and is
// re-planned from a fresh read.
import { restore, saveTable, type TableDump } from './iptables.ts';
import type { Family } from './addr.ts';

const ATTEMPTS = 6;

/** Read, plan, apply; retried on conflicting concurrent changes. Returns the dump the plan used. */
export async function transactTable(family: Family, table: string, plan: (dump: TableDump) => string[], first?: TableDump): Promise<TableDump> {
  let dump = first ?? (await saveTable(family, table));
  for (let attempt = 1; ; attempt++) {
    const lines = plan(dump);
    try {
      await restore(family, table, lines);
      return dump;
    } catch (e) {
      if (attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      dump = await saveTable(family, table);
    }
  }
}

/** iptables-save -t <table>, or undefined when this iptables flavour does not work here. */
export async function trySaveTable(family: Family, table: string): Promise<TableDump | undefined> {
  try {
    return await saveTable(family, table);
  } catch {
    return undefined;
  }
}
