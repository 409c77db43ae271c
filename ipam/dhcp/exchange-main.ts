// `dhcp exchange`: the daemon's helper inside the container's namespace; request on stdin, reply on stdout.
import { readFileSync } from 'node:fs';
import { exchange, type ExchangeRequest } from './exchange.ts';

export async function runExchange(): Promise<void> {
  let reply: unknown;
  try {
    reply = await exchange(JSON.parse(readFileSync(0, 'utf8')) as ExchangeRequest);
  } catch (e) {
    reply = { error: (e as Error).message };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`, () => process.exit(0));
}
