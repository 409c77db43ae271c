// CNI_ARGS ("K1=V1;K2=V2"), decoded as Go's types.LoadArgs does: exact pairs, case-sensitive keys,
// unknown keys rejected unless IgnoreUnknown is 1/true.
import { CniError, Code } from './errors.ts';

export function parseCniArgs(raw: string, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === '') return out;
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const kv = pair.split('=');
    if (kv.length !== 2) throw new CniError(Code.InvalidEnvironmentVariables, `ARGS: invalid pair "${pair}"`);
    const [k, v] = kv as [string, string];
    if (k === 'IgnoreUnknown') {
      ignoreUnknown = /^(1|true)$/i.test(v);
      continue;
    }
    if (known.includes(k)) out.set(k, v);
    else unknown.push(pair);
  }
  if (unknown.length && !ignoreUnknown) {
    throw new CniError(Code.InvalidEnvironmentVariables, `ARGS: unknown args [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  }
  return out;
}
