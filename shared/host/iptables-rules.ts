// One model of iptables-save rule text, for every plugin that reads rules back: the tokens of a
// `-A CHAIN ...` line (double quotes and backslash escapes as iptables-save writes them and
// iptables-restore reads them), its chain and jump/goto target, and the removal of chains
// together with every rule that enters them.
import type { TableDump } from './iptables.ts';

/** The arguments of a saved rule line, quotes removed and escapes resolved. */
export function tokenize(rule: string): string[] {
  if (!rule.includes('"')) return rule.split(/[ \t]+/).filter((t) => t !== '');
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < rule.length; i++) {
    const ch = rule[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < rule.length) cur += rule[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = inToken = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** The chain of an `-A CHAIN ...` line. */
export const ruleChain = (rule: string): string => tokenize(rule)[1] ?? '';

/** The target of a saved rule: what `-j` jumps to or `-g` goes to (quoted text is not looked into). */
export function ruleTarget(rule: string): string | undefined {
  const t = tokenize(rule);
  const i = t.findIndex((a) => a === '-j' || a === '-g' || a === '--jump' || a === '--goto');
  return i >= 0 ? t[i + 1] : undefined;
}

/** The `-D` line deleting a saved `-A` rule: iptables-restore re-reads iptables-save's quoting. */
export const toDelete = (rule: string): string => `-D${rule.slice(2)}`;

/**
 * Lines removing `chains` (those that exist) and every rule of other chains jumping to them: the
 * jumps first, then all the flushes, then the deletions, so that doomed chains may refer to each
 * other. Nothing when none of them exists.
 */
export function removeChains(dump: TableDump, chains: Iterable<string>): string[] {
  const doomed = new Set([...chains].filter((c) => dump.chains.has(c)));
  if (doomed.size === 0) return [];
  return [...jumpsInto(dump, doomed).map(toDelete), ...[...doomed].map((c) => `-F ${c}`), ...[...doomed].map((c) => `-X ${c}`)];
}

/** The saved rules, outside `chains`, that jump or go to one of them. */
export function jumpsInto(dump: TableDump, chains: ReadonlySet<string>): string[] {
  return dump.rules.filter((r) => {
    const t = ruleTarget(r);
    return t !== undefined && chains.has(t) && !chains.has(ruleChain(r));
  });
}
