// The DNS-name rules every value written into addnhosts or dnsmasq.conf passes: domain names,
// container names (K8S_POD_NAME) and aliases. They end up as fields of a hosts-file line or as a
// dnsmasq option value, so nothing that could split a line, a field or a path may get through.

/** One label: 1-63 letters, digits, `-` or `_` (podman-compose names have underscores), no `-` at either end. */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A host or domain name made of labels joined by dots, at most 253 characters; the problem or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains control characters (newline, tab, ...)';
  if (/\s/.test(name)) return 'contains white space';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name.length > 253) return 'is longer than 253 characters';
  for (const label of name.split('.')) {
    if (label === '') return 'has an empty label (leading, trailing or double dot)';
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (!LABEL.test(label)) return `label "${label}" is not a DNS label (letters, digits, "-" and "_", no "-" at either end)`;
  }
  return undefined;
}
