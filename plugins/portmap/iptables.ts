// Applying iptables plans to the nat table (see shared/iptables-txn.ts for the transaction).
import type { TableDump } from '../../shared/iptables.ts';
import { transactTable, trySaveTable } from '../../shared/iptables-txn.ts';
import type { Family } from './config.ts';

/** Read, plan, apply; retried on conflicting concurrent changes. Returns the dump used. */
export const transact = (family: Family, plan: (dump: TableDump) => string[], first?: TableDump): Promise<TableDump> =>
  transactTable(family, 'nat', plan, first);

/** iptables-save -t nat, or undefined when this iptables flavour does not work here. */
export const trySave = (family: Family): Promise<TableDump | undefined> => trySaveTable(family, 'nat');
