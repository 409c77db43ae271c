// iptables and ip6tables: read with iptables-save, changed in one iptables-restore --noflush
// transaction per family (one process, one xtables lock hold, all or nothing).
import { commandError, run } from './exec.ts';
import { CniError, Code } from '../cni/errors.ts';

import type { Family } from './addr.ts';

/** The packet-filter tool a plugin's rules live in. */
export type Backend = 'iptables' | 'nftables';

const SAVE = { 4: 'iptables-save', 6: 'ip6tables-save' } as const;
const RESTORE = { 4: 'iptables-restore', 6: 'ip6tables-restore' } as const;

/** Rules of one table as iptables-save prints them: chain names, and `-A ...` lines. */
export interface TableDump {
  chains: Set<string>;
  rules: string[];
}

export function parseSave(text: string): TableDump {
  const chains = new Set<string>();
  const rules: string[] = [];
  for (const l of text.split('\n')) {
    if (l.startsWith(':')) chains.add(l.slice(1).split(' ')[0]!);
    else if (l.startsWith('-A ')) rules.push(l);
  }
  return { chains, rules };
}

export async function saveTable(family: Family, table: string): Promise<TableDump> {
  const r = await run(SAVE[family], ['-t', table], { allowFail: true });
  if (r.exitCode !== 0) throw commandError(`${SAVE[family]} -t ${table} failed`, r);
  return parseSave(r.stdout);
}

/** Whether this flavour of iptables works here at all (the reference probes `-t nat -S OUTPUT`). */
export async function usable(family: Family): Promise<boolean> {
  try {
    const r = await run(family === 4 ? 'iptables' : 'ip6tables', ['-w', '-t', 'nat', '-S', 'OUTPUT'], { allowFail: true });
    return r.exitCode === 0;
  } catch {
    return false;
  }
}

/**
 * Apply `lines` (iptables-restore syntax without the COMMIT) to `table` in one transaction.
 * Tokens are written quoted where needed by the callers; values are validated before they get here.
 */
export async function restore(family: Family, table: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const script = `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
  const r = await run(RESTORE[family], ['--noflush', '--wait'], { input: script, allowFail: true });
  if (r.exitCode !== 0) throw commandError(`${RESTORE[family]} failed`, r);
}

/** Quote an argument for iptables-restore, which splits on spaces and honours double quotes. */
export function quote(arg: string): string {
  if (/[\n\r\x00]/.test(arg)) throw new CniError(Code.Internal, `refusing to put ${JSON.stringify(arg)} into an iptables ruleset`);
  return /^[A-Za-z0-9_.,:/!+=@%-]+$/.test(arg) ? arg : `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
