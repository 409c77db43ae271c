// Once per test run: remember which shared firewall scaffolding existed, and at the end remove
// what the run created (see scaffold.ts), so the host is left as the run found it. The host's own
// links, their state and addresses are checked too: a run that changed them fails (host-guard.ts).
import { captureScaffold, removeNewScaffold, type Scaffold } from './scaffold.ts';
import { captureHostLinks, diffHostLinks, type HostLinks } from './host-guard.ts';
import { exclusiveHost } from './lock.ts';
import { claimFirstUseForRun, removeFirstUseOfRun } from '../podman/first-use.ts';

let before: Scaffold | undefined;
let links: HostLinks | undefined;

export async function setup(): Promise<void> {
  before = await captureScaffold();
  links = captureHostLinks();
  claimFirstUseForRun(); // the workers, forked after this, inherit it
}

export async function teardown(): Promise<void> {
  if (before) {
    // Exclusively: another run's before/after snapshot must not see the shared tables vanish.
    const removed = await exclusiveHost(() => removeNewScaffold(before!));
    if (removed.length) console.log(`removed the firewall scaffolding this run created: ${removed.join(', ')}`);
  }
  const podman = await removeFirstUseOfRun();
  if (podman.length) console.log(`could not remove podman's first-use paths: ${podman.join('; ')}`);
  if (links) {
    const changed = diffHostLinks(links, captureHostLinks());
    if (changed.length) throw new Error(`HOST GUARD: the test run changed the host's own network interfaces:\n  ${changed.join('\n  ')}`);
  }
}
