// Once per test run: remember which shared firewall scaffolding existed, and at the end remove
// what the run created (see scaffold.ts), so the host is left as the run found it.
import { captureScaffold, removeNewScaffold, type Scaffold } from './scaffold.ts';

let before: Scaffold | undefined;

export async function setup(): Promise<void> {
  before = await captureScaffold();
}

export async function teardown(): Promise<void> {
  if (!before) return;
  const removed = await removeNewScaffold(before);
  if (removed.length) console.log(`removed the firewall scaffolding this run created: ${removed.join(', ')}`);
}
