// The plugin ↔ daemon protocol: one JSON request line, one JSON reply line, over the unix socket.
// Not the reference's (Go net/rpc over HTTP): a plugin that reaches a socket answering in another
// protocol, such as the Go daemon's, says so instead of hanging or misreading it.
import { connect, type Socket } from 'node:net';
import { CniError, Code } from '../../shared/cni/errors.ts';
import type { Result } from '../../shared/cni/result.ts';

export interface DaemonRequest {
  method: 'allocate' | 'check' | 'release' | 'status' | 'gc';
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS */
  args: string;
  /** the network configuration, as the plugin received it */
  stdin: string;
  /** GC: the attachments still valid */
  valid?: Array<{ containerID: string; ifname: string }>;
}

export type DaemonReply = { ok: true; result?: Result } | { ok: false; code: number; msg: string };

/** The first line a socket sends (at most 1 MiB). */
export function readLine(sock: Socket, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (f: () => void) => {
      sock.removeAllListeners('data');
      f();
    };
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const i = buf.indexOf('\n');
      if (i >= 0) done(() => resolve(buf.slice(0, i)));
      else if (buf.length > limit) done(() => reject(new Error('line too long')));
    });
    sock.once('end', () => done(() => (buf ? resolve(buf) : reject(new Error('connection closed without an answer')))));
    sock.once('error', (e) => done(() => reject(e)));
  });
}

/** One call to the daemon. A missing or refusing socket means "the daemon is not running". */
export async function call(socketPath: string, req: DaemonRequest): Promise<DaemonReply> {
  const sock = connect(socketPath);
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CniError(
      Code.Internal,
      `error dialing DHCP daemon at "${socketPath}": ${code === 'ENOENT' || code === 'ECONNREFUSED' ? 'the daemon is not running (start it with `dhcp daemon`)' : (e as Error).message}`,
    );
  }
  sock.write(`${JSON.stringify(req)}\n`);
  let line: string;
  try {
    line = await readLine(sock);
  } catch (e) {
    throw new CniError(Code.Internal, `error calling the DHCP daemon at "${socketPath}": ${(e as Error).message}`);
  } finally {
    sock.destroy();
  }
  try {
    const r = JSON.parse(line) as DaemonReply;
    if (typeof r === 'object' && r !== null && typeof r.ok === 'boolean') return r;
  } catch {
    // fall through
  }
  throw new CniError(
    Code.Internal,
    `the socket "${socketPath}" answers in another protocol (${JSON.stringify(line.slice(0, 40))}): is another DHCP daemon, such as the Go plugin's, listening there?`,
  );
}
