// Chain and comment names derived from hashes, as the Go plugins' utils.MustFormatHashWithPrefix.
import { createHash } from 'node:crypto';

/** (prefix + lowercase hex of SHA-512(s)) cut to `len` characters. */
export function hashWithPrefix(len: number, prefix: string, s: string): string {
  return (prefix + createHash('sha512').update(s).digest('hex')).slice(0, len);
}
