// Pure planning for the iptables backend and the same-bridge ingress policy, in the filter table
// (containernetworking/plugins `plugins/meta/firewall/iptables.go`, `ingresspolicy.go`). Rules are
// written in iptables-save's canonical form, so CHECK and tests compare saved lines directly, and
// the reference's sequence of -N/-I/-A calls becomes one iptables-restore --noflush script.
import { quote, type TableDump } from '../../shared/host/iptables.ts';
import { ruleChain, toDelete } from '../../shared/host/iptables-rules.ts';
import { FORWARD_CHAIN, type HostAddr } from './config.ts';

export const STAGE1 = 'CNI-ISOLATION-STAGE-1';
export const STAGE2 = 'CNI-ISOLATION-STAGE-2';
const FILTER_COMMENT = quote('CNI firewall plugin rules');
const ADMIN_COMMENT = quote('CNI firewall plugin admin overrides');
const POLICY_COMMENT = quote('CNI firewall plugin rules (ingressPolicy: same-bridge)');

/** The jump from FORWARD into CNI-FORWARD (generateFilterRule). */
export const forwardJump = `-A FORWARD -m comment --comment ${FILTER_COMMENT} -j ${FORWARD_CHAIN}`;
/** The jump from CNI-FORWARD into the admin chain (generateAdminRule). */
export const adminJump = (admin: string) => `-A ${FORWARD_CHAIN} -m comment --comment ${ADMIN_COMMENT} -j ${admin}`;

/** A container address's two rules (getPrivChainRules): return traffic in, anything out. */
export const addrRules = (a: HostAddr): [string, string] => [
  `-A ${FORWARD_CHAIN} -d ${a.cidr} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  `-A ${FORWARD_CHAIN} -s ${a.cidr} -j ACCEPT`,
];

/** The isolation rules of one bridge and the chains' shared rules (setupIsolationChains). */
export function isolationRules(bridge: string) {
  return {
    jump: `-A FORWARD -m comment --comment ${POLICY_COMMENT} -j ${STAGE1}`,
    stage1: `-A ${STAGE1} -i ${bridge} ! -o ${bridge} -m comment --comment ${POLICY_COMMENT} -j ${STAGE2}`,
    stage1Return: `-A ${STAGE1} -m comment --comment ${POLICY_COMMENT} -j RETURN`,
    stage2: `-A ${STAGE2} -o ${bridge} -m comment --comment ${POLICY_COMMENT} -j DROP`,
    stage2Return: `-A ${STAGE2} -m comment --comment ${POLICY_COMMENT} -j RETURN`,
  };
}

/** `-A CHAIN spec` as `-I CHAIN 1 spec` (the reference's Insert at position 1). */
const first = (rule: string): string => rule.replace(/^-A (\S+) /, '-I $1 1 ');

/** A small view of a dump that also sees what the plan itself has added so far. */
function tracker(dump: TableDump) {
  const chains = new Set(dump.chains);
  const rules = new Set(dump.rules);
  const lines: string[] = [];
  return {
    lines,
    chain(c: string) {
      if (!chains.has(c)) lines.push(`-N ${c}`);
      chains.add(c);
    },
    /** Add the rule unless present: at the top (prepend) or the end. */
    unique(rule: string, prepend: boolean) {
      if (rules.has(rule)) return;
      lines.push(prepend ? first(rule) : rule);
      rules.add(rule);
    },
  };
}

export interface AddPlan {
  lines: string[];
  /** Address rules this plan appends (what a failed ADD takes back). */
  added: string[];
}

export interface AddWhat {
  /** The admin chain; undefined when the address rules live elsewhere (firewalld). */
  admin?: string;
  /** The bridge to isolate (ingressPolicy same-bridge). */
  bridge?: string;
}

/**
 * One family's ADD: the chains and jumps that are missing, this container's address rules, and
 * for same-bridge the bridge's isolation rules, in the reference's order (Add, then the policy).
 */
export function planAdd(addrs: readonly HostAddr[], { admin, bridge }: AddWhat, dump: TableDump): AddPlan {
  const t = tracker(dump);
  const added: string[] = [];
  if (admin !== undefined && addrs.length > 0) {
    t.chain(FORWARD_CHAIN);
    t.chain(admin);
    t.unique(forwardJump, true);
    t.unique(adminJump(admin), true);
    for (const a of addrs) {
      for (const r of addrRules(a)) {
        if (!dump.rules.includes(r) && !added.includes(r)) added.push(r);
        t.unique(r, false);
      }
    }
  }
  // The policy's families are those of prevResult's addresses (findProtos).
  if (bridge !== undefined && addrs.length > 0) {
    const iso = isolationRules(bridge);
    t.chain(STAGE1);
    t.chain(STAGE2);
    t.unique(iso.jump, true);
    t.unique(iso.stage1, true);
    t.unique(iso.stage1Return, false);
    t.unique(iso.stage2, true);
    t.unique(iso.stage2Return, false);
  }
  return { lines: t.lines, added };
}

/** Delete those of `rules` that are present (the reference's Delete, errors ignored). */
export function planDeleteRules(rules: readonly string[], dump: TableDump): string[] {
  return [...new Set(rules)].filter((r) => dump.rules.includes(r)).map(toDelete);
}

/** One family's DEL: the address rules of `addrs`, except addresses another attachment still has. */
export function planDel(addrs: readonly HostAddr[], keep: ReadonlySet<string>, dump: TableDump): string[] {
  return planDeleteRules(addrs.filter((a) => !keep.has(a.cidr)).flatMap(addrRules), dump);
}

/** Go's %v of a rule's argument list, as the reference's CHECK messages print it. */
const goList = (rule: string, chain: string): string => `[${rule.slice(3 + chain.length + 1).replace(/"/g, '')}]`;

/** CHECK for one family: the first missing piece, in the reference's order and wording. */
export function checkProblem(addrs: readonly HostAddr[], { admin, bridge }: AddWhat, dump: TableDump): string | undefined {
  if (addrs.length === 0) return undefined;
  if (admin !== undefined) return addrProblem(addrs, admin, dump) ?? isolationProblem(bridge, dump);
  return isolationProblem(bridge, dump);
}

function addrProblem(addrs: readonly HostAddr[], admin: string, dump: TableDump): string | undefined {
  if (!dump.rules.includes(forwardJump)) return `expected FORWARD rule ${goList(forwardJump, 'FORWARD')} not found`;
  if (!dump.rules.includes(adminJump(admin))) return `expected ${FORWARD_CHAIN} rule ${goList(adminJump(admin), FORWARD_CHAIN)} not found`;
  for (const a of addrs) {
    for (const r of addrRules(a)) if (!dump.rules.includes(r)) return `expected rule ${goList(r, FORWARD_CHAIN)} not found`;
  }
  return undefined;
}

/** Not checked by the reference: the isolation rules ADD set up must still be there too. */
function isolationProblem(bridge: string | undefined, dump: TableDump): string | undefined {
  if (bridge === undefined) return undefined;
  const iso = isolationRules(bridge);
  for (const r of [iso.jump, iso.stage1, iso.stage1Return, iso.stage2, iso.stage2Return]) {
    const chain = ruleChain(r);
    if (!dump.rules.includes(r)) return `expected ${chain} rule ${goList(r, chain)} not found`;
  }
  return undefined;
}
