// The SELinux label of the process that creates the tap (tap.go's selinux.SetExecLabel before it
// runs `ip`): written to /proc/thread-self/attr/exec, which the next execve of this thread's
// children consumes (the `nsenter` that runs `ip` in the container; `ip` then keeps the domain),
// and cleared again right after. Only where SELinux is enabled: loadConf refuses the key elsewhere.
import { writeFileSync } from 'node:fs';
import { CniError, Code } from '../../shared/cni/errors.ts';

const EXEC_ATTR = '/proc/thread-self/attr/exec';

export async function withExecLabel<T>(label: string, body: () => Promise<T>): Promise<T> {
  if (label === '') return body();
  try {
    writeFileSync(EXEC_ATTR, label);
  } catch (e) {
    throw new CniError(Code.Internal, `failed set socket label: selinuxContext ${JSON.stringify(label)}: ${(e as Error).message}`);
  }
  try {
    return await body();
  } finally {
    try {
      writeFileSync(EXEC_ATTR, '');
    } catch {
      // nothing more can be done; the next exec consumes it anyway
    }
  }
}
