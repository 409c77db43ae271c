// macspoofchk (containernetworking/plugins `pkg/link/spoofcheck.go`): nft bridge-family rules that drop frames from the container port
// whose source MAC is not the container's. One nft transaction to add, one list + one to remove.
import { nftApply, nftListJson, nftString } from '../../shared/host/nftables.ts';
import { CniError, Code } from '../../shared/cni/errors.ts';
import { isValidId } from '../../shared/cni/validate.ts';

const T = 'bridge nat';

export function refId(cid: string, ifname: string): string {
  const id = `${cid}-${ifname}`;
  // Chain names are nft identifiers: the id pattern plus ifname rules keep them plain.
  if (!isValidId(id) || !/^[A-Za-z0-9_.-]+$/.test(id)) throw new CniError(Code.Internal, `macspoofchk: cannot name chains after "${id}"`);
  return id;
}

export function spoofSetupScript(cid: string, ifname: string, hostVeth: string, mac: string): string {
  const id = refId(cid, ifname);
  const ch = `cni-br-iface-${id}`;
  const c = `comment ${nftString(`macspoofchk-${id}`)}`;
  return `${[
    `add table ${T}`,
    `add chain ${T} PREROUTING { type filter hook prerouting priority -300 ; policy accept ; }`,
    // `create` fails the transaction when the chains exist: a retried ADD of an attached
    // container changes nothing, so its failure has nothing of the live container to undo.
    `create chain ${T} ${ch}`,
    `create chain ${T} ${ch}-mac`,
    `add rule ${T} ${ch} jump ${ch}-mac ${c}`,
    `add rule ${T} ${ch}-mac ether saddr ${mac} return ${c}`,
    `add rule ${T} ${ch}-mac drop ${c}`,
    `add rule ${T} PREROUTING iifname ${nftString(hostVeth)} jump ${ch} ${c}`,
  ].join('\n')}\n`;
}

/** Add the rules; returns the undo of what it created. */
export async function spoofSetup(cid: string, ifname: string, hostVeth: string, mac: string): Promise<() => Promise<void>> {
  try {
    await nftApply(spoofSetupScript(cid, ifname, hostVeth, mac));
  } catch (e) {
    if (/File exists/.test((e as Error).message))
      throw new CniError(Code.Internal, `macspoofchk chains of "${refId(cid, ifname)}" already exist: the container is already attached`);
    throw e;
  }
  return () => spoofTeardown(cid, ifname);
}

export async function spoofTeardown(cid: string, ifname: string): Promise<void> {
  const id = refId(cid, ifname);
  const ch = `cni-br-iface-${id}`;
  const objs = await nftListJson(['table', 'bridge', 'nat']);
  if (!objs) return;
  const lines: string[] = [];
  let haveChains = 0;
  for (const o of objs) {
    const r = o.rule as { chain?: string; handle?: number; comment?: string } | undefined;
    if (r?.chain === 'PREROUTING' && r.comment === `macspoofchk-${id}` && typeof r.handle === 'number')
      lines.push(`delete rule ${T} PREROUTING handle ${r.handle}`);
    const c = o.chain as { name?: string } | undefined;
    if (c?.name === ch || c?.name === `${ch}-mac`) haveChains++;
  }
  if (haveChains === 2) lines.push(`delete chain ${T} ${ch}`, `delete chain ${T} ${ch}-mac`);
  if (lines.length) await nftApply(`${lines.join('\n')}\n`);
}
