// resolvConf → result DNS, parsed as the reference does (nameserver/domain/search/options).
import { readFileSync } from 'node:fs';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Dns } from '../../shared/cni/result.ts';

export function parseResolvConf(text: string): Dns {
  const dns: { nameservers: string[]; domain?: string; search: string[]; options: string[] } = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const f = line.split(/\s+/);
    if (f.length < 2) continue;
    switch (f[0]) {
      case 'nameserver':
        dns.nameservers.push(f[1]!);
        break;
      case 'domain':
        dns.domain = f[1]!;
        break; // the last one wins
      case 'search':
        dns.search.push(...f.slice(1));
        break;
      case 'options':
        dns.options.push(...f.slice(1));
        break;
    }
  }
  return dns;
}

/** Read and parse; an unreadable file fails the ADD with Go's open error wording. */
export function readResolvConf(path: string): Dns {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CniError(Code.IoFailure, `open ${path}: ${why}`);
  }
  return parseResolvConf(text);
}
