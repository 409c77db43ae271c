// TEMPORARY stand-in written by the build engineer; to be replaced by the real plugin.
import { execa } from 'execa';
import { z } from 'zod';
import ipaddr from 'ipaddr.js';

const Conf = z.object({ cniVersion: z.string(), name: z.string(), type: z.string() });

async function main(): Promise<void> {
  const cmd = process.env.CNI_COMMAND;
  if (cmd === 'VERSION') {
    process.stdout.write(JSON.stringify({ cniVersion: '1.1.0', supportedVersions: ['0.1.0'] }) + '\n');
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const conf = Conf.parse(JSON.parse(Buffer.concat(chunks).toString()));
  const r = await execa('ip', ['link', 'set', 'lo', 'up']);
  process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, ip: ipaddr.parse('127.0.0.1').toString(), out: r.stdout }) + '\n');
}
main().catch((e) => { process.stdout.write(JSON.stringify({ code: 999, msg: String(e) })); process.exit(1); });
