// flanneld's subnet file (/run/flannel/subnet.env), read as flannel-io/cni-plugin `flannel.go`
// loadFlannelSubnetEnv does (KEY=VALUE lines, unknown keys ignored, the last of a key wins), but
// every value checked, with errors naming the line where upstream panics or says little.
import { readFileSync } from 'node:fs';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { cidrString, isV4, networkOf, parseCidr, type Cidr } from '../../shared/host/addr.ts';

export interface SubnetEnv {
  /** FLANNEL_NETWORK: the cluster's IPv4 networks, de-duplicated. */
  networks: Cidr[];
  /** FLANNEL_SUBNET as a network (host bits cleared, as Go's ParseCIDR). */
  subnet?: Cidr;
  ip6Networks: Cidr[];
  ip6Subnet?: Cidr;
  mtu: number;
  /** FLANNEL_IPMASQ: flanneld masquerades itself (true only for exactly "true"). */
  ipMasq: boolean;
}

const wrap = (msg: string, code: number) => new CniError(code, `failed to load flannel 'subnet.env' file: ${msg}. Check the flannel pod log for this node.`);

/** A CIDR of the family the key expects, as its network. */
function cidrValue(file: string, line: number, key: string, s: string, v4: boolean): Cidr {
  const c = parseCidr(s);
  if (!c) throw wrap(`${file} line ${line}: ${key}: "${s}" is not a CIDR`, Code.DecodingFailure);
  if (isV4(c.ip) !== v4) throw wrap(`${file} line ${line}: ${key}: "${s}" is not an ${v4 ? 'IPv4' : 'IPv6'} CIDR`, Code.DecodingFailure);
  return { ip: networkOf(c), prefix: c.prefix };
}

function cidrList(file: string, line: number, key: string, value: string, v4: boolean): Cidr[] {
  const out: Cidr[] = [];
  for (const s of value.split(',')) {
    const c = cidrValue(file, line, key, s, v4);
    if (!out.some((o) => cidrString(o) === cidrString(c))) out.push(c);
  }
  return out;
}

/** Parse the file's text (pure, for tests). `file` is its path, for messages. */
export function parseSubnetEnv(text: string, file: string): SubnetEnv {
  let networks: Cidr[] = [];
  let ip6Networks: Cidr[] = [];
  let subnet: Cidr | undefined;
  let ip6Subnet: Cidr | undefined;
  let mtu: number | undefined;
  let ipMasq: boolean | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    // Go's line scanner drops a trailing \r; blank lines and comments carry nothing.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw wrap(`${file} line ${n}: no "=" in ${JSON.stringify(line.slice(0, 80))}`, Code.DecodingFailure);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'FLANNEL_NETWORK':
        networks = cidrList(file, n, key, value, true);
        break;
      case 'FLANNEL_IPV6_NETWORK':
        ip6Networks = cidrList(file, n, key, value, false);
        break;
      case 'FLANNEL_SUBNET':
        subnet = cidrValue(file, n, key, value, true);
        break;
      case 'FLANNEL_IPV6_SUBNET':
        ip6Subnet = cidrValue(file, n, key, value, false);
        break;
      case 'FLANNEL_MTU':
        // strconv.ParseUint(v, 10, 32)
        if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
          throw wrap(`${file} line ${n}: FLANNEL_MTU: "${value.slice(0, 80)}" is not a whole number from 0 to 4294967295`, Code.DecodingFailure);
        }
        mtu = Number(value);
        break;
      case 'FLANNEL_IPMASQ':
        ipMasq = value === 'true';
        break;
    }
  }
  const missing: string[] = [];
  if (networks.length === 0 && ip6Networks.length === 0) missing.push('FLANNEL_NETWORK', 'FLANNEL_IPV6_NETWORK');
  if (!subnet && !ip6Subnet) missing.push('FLANNEL_SUBNET', 'FLANNEL_IPV6_SUBNET');
  if (mtu === undefined) missing.push('FLANNEL_MTU');
  if (ipMasq === undefined) missing.push('FLANNEL_IPMASQ');
  if (missing.length) throw wrap(`${file} is missing ${missing.join(', ')}`, Code.DecodingFailure);
  const env: SubnetEnv = { networks, ip6Networks, mtu: mtu!, ipMasq: ipMasq! };
  if (subnet) env.subnet = subnet;
  if (ip6Subnet) env.ip6Subnet = ip6Subnet;
  return env;
}

/** Read and parse; a missing file means flanneld has not written it (yet): code 11, try again later. */
export function readSubnetEnv(file: string): SubnetEnv {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw wrap(`open ${file}: no such file or directory (flanneld has not written it yet: is flanneld running on this node?)`, Code.TryAgainLater);
    }
    throw wrap(`open ${file}: ${(e as Error).message}`, Code.IoFailure);
  }
  return parseSubnetEnv(text, file);
}
