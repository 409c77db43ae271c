// The main job, for real: two containers (network namespaces) attached through the upstream cnitool
// with our bridge, host-local, portmap, firewall and loopback; traffic between them and through a
// published port; masquerading in place; a second network isolated from the first by the firewall
// plugin's ingressPolicy "same-bridge" (one connection blocked, one allowed); then DEL of all,
// leaving the host as it was.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { captureScaffold, removeIsolationOf, removeNewScaffold } from '../lib/scaffold.ts';

const CNI_PATH = process.env.DEMO_CNI_PATH ?? resolve('dist/bin');
const CNITOOL = resolve('.tools/bin/cnitool');
const NODE = process.execPath;
const tag = Math.random().toString(36).slice(2, 6);
const NET = `demo-${tag}`;
const BRIDGE = `demo${tag}br`;
const SUBNET = '10.213.0.0/24';
const HOST_PORT = 18000 + Math.floor(Math.random() * 2000);
const NS = [`demo-${tag}-web`, `demo-${tag}-client`];
// The second network, isolated from the first.
const NET2 = `demo-${tag}-b`;
const BRIDGE2 = `demo${tag}bb`;
const SUBNET2 = '10.201.213.0/24';
const GW2 = '10.201.213.1';
const NS2 = `demo-${tag}-other`;
const FIREWALL = { type: 'firewall', ingressPolicy: 'same-bridge' };

const say = (s: string) => console.log(`\n==> ${s}`);
const show = (s: string) => console.log(s.replace(/^/gm, '    '));

async function sh(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; quiet?: boolean } = {}) {
  const r = await execa(cmd, args, { reject: false, ...(opts.input ? { input: opts.input } : {}), ...(opts.env ? { env: opts.env } : {}) });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  if (!opts.quiet && r.stdout.trim()) show(r.stdout.trim());
  return r.stdout;
}

async function snapshot(): Promise<string> {
  const parts = await Promise.all([
    execa('ip', ['-br', 'link']).then((r) =>
      r.stdout
        .split('\n')
        .map((l) => l.split(/\s+/)[0])
        .sort()
        .join(' '),
    ),
    execa('iptables-save', ['-t', 'nat']).then((r) =>
      r.stdout
        .split('\n')
        .filter((l) => l.includes(NET) || l.includes(BRIDGE))
        .join('\n'),
    ),
    // The firewall plugin's rules: the containers' addresses and the bridges' isolation.
    execa('iptables-save', ['-t', 'filter']).then((r) =>
      r.stdout
        .split('\n')
        .filter((l) => /10\.213\.0\.|10\.201\.213\./.test(l) || l.includes(BRIDGE) || l.includes(BRIDGE2))
        .join('\n'),
    ),
  ]);
  return parts.join('\n');
}

async function main(): Promise<void> {
  const conf = mkdtempSync(join(tmpdir(), 'cni-demo-'));
  const dataDir = join(conf, 'ipam');
  const cnitoolEnv = (extra: Record<string, string> = {}) => ({ ...process.env, NETCONFPATH: conf, CNI_PATH, ...extra }) as Record<string, string>;
  const servers: Array<ReturnType<typeof execa>> = [];
  const before = await snapshot();
  const scaffold = await captureScaffold();
  const attached: Array<[string, string, string]> = [];
  try {
    say(`Writing the network "${NET}": bridge ${BRIDGE} (gateway, masquerade, hairpin) + host-local ${SUBNET} + portmap + firewall (same-bridge) + loopback`);
    const conflist = {
      cniVersion: '1.0.0',
      name: NET,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        FIREWALL,
        { type: 'loopback' },
      ],
    };
    writeFileSync(join(conf, `${NET}.conflist`), JSON.stringify(conflist, null, 2));
    show(JSON.stringify(conflist, null, 2));
    const conflist2 = {
      cniVersion: '1.0.0',
      name: NET2,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE2,
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET2 }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
        },
        FIREWALL,
        { type: 'loopback' },
      ],
    };
    writeFileSync(join(conf, `${NET2}.conflist`), JSON.stringify(conflist2, null, 2));

    const ips: string[] = [];
    for (const [i, ns] of NS.entries()) {
      say(`Creating container ${ns} and attaching it with: cnitool add ${NET} /var/run/netns/${ns}`);
      await sh('ip', ['netns', 'add', ns], { quiet: true });
      const capArgs = i === 0 ? JSON.stringify({ portMappings: [{ hostPort: HOST_PORT, containerPort: 8080, protocol: 'tcp' }] }) : '{}';
      attached.push([NET, ns, capArgs]);
      const out = await sh(CNITOOL, ['add', NET, `/var/run/netns/${ns}`], { env: cnitoolEnv({ CAP_ARGS: capArgs }) });
      const res = JSON.parse(out) as { ips: Array<{ address: string }> };
      ips.push(res.ips[0]!.address.split('/')[0]!);
      await sh('ip', ['-n', ns, '-br', 'addr']);
    }
    say(`cnitool check ${NET} for both containers`);
    for (const ns of NS) await sh(CNITOOL, ['check', NET, `/var/run/netns/${ns}`], { env: cnitoolEnv() });
    show('ok');

    say(`Starting an HTTP server on port 8080 in ${NS[0]} (${ips[0]})`);
    const server = execa(
      'ip',
      [
        'netns',
        'exec',
        NS[0]!,
        NODE,
        '-e',
        `require('http').createServer((q,s)=>s.end('hello from ${NS[0]} to '+q.socket.remoteAddress+'\\n')).listen(8080,'0.0.0.0')`,
      ],
      { reject: false },
    );
    servers.push(server);
    await new Promise((r) => setTimeout(r, 400));

    const fetchIn = async (ns: string | undefined, url: string, timeoutMs = 10_000) => {
      const code = `fetch('${url}',{signal:AbortSignal.timeout(${timeoutMs})}).then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(String(e.cause??e));process.exit(1)})`;
      return ns ? sh('ip', ['netns', 'exec', ns, NODE, '-e', code]) : sh(NODE, ['-e', code]);
    };
    say(`${NS[1]} -> ${NS[0]} directly over the bridge: http://${ips[0]}:8080/`);
    await fetchIn(NS[1], `http://${ips[0]}:8080/`);
    say(`Host -> published port: http://127.0.0.1:${HOST_PORT}/ (DNAT to ${ips[0]}:8080, localhost masqueraded)`);
    await fetchIn(undefined, `http://127.0.0.1:${HOST_PORT}/`);
    say(`${NS[1]} -> the gateway's published port: http://10.213.0.1:${HOST_PORT}/`);
    await fetchIn(NS[1], `http://10.213.0.1:${HOST_PORT}/`);
    say(`${NS[0]} -> its own published port through the host (hairpin): http://10.213.0.1:${HOST_PORT}/`);
    await fetchIn(NS[0], `http://10.213.0.1:${HOST_PORT}/`);

    say('Masquerading and port-forwarding rules in place (iptables-save -t nat, this network only)');
    const nat = await execa('iptables-save', ['-t', 'nat']);
    const chains = new Set(
      nat.stdout
        .split('\n')
        .filter((l) => l.includes(NET))
        .flatMap((l) => l.match(/CNI-(DN-)?[0-9a-f]{21,24}/g) ?? []),
    );
    show(
      nat.stdout
        .split('\n')
        .filter((l) => l.includes(NET) || [...chains].some((c) => l.startsWith(`-A ${c} `)))
        .join('\n'),
    );

    say(`Writing a second network "${NET2}": bridge ${BRIDGE2} + host-local ${SUBNET2} + firewall (same-bridge) + loopback`);
    show(JSON.stringify(conflist2, null, 2));
    say(`Creating container ${NS2} and attaching it with: cnitool add ${NET2} /var/run/netns/${NS2}`);
    await sh('ip', ['netns', 'add', NS2], { quiet: true });
    attached.push([NET2, NS2, '{}']);
    await sh(CNITOOL, ['add', NET2, `/var/run/netns/${NS2}`], { env: cnitoolEnv() });
    await sh('ip', ['-n', NS2, '-br', 'addr']);
    const hostServer = execa(NODE, ['-e', `require('http').createServer((q,s)=>s.end('hello from the host at ${GW2}\\n')).listen(8081,'${GW2}')`], {
      reject: false,
    });
    servers.push(hostServer);
    await new Promise((r) => setTimeout(r, 400));
    say(`${NS2} -> ${NS[0]} across the networks: http://${ips[0]}:8080/ (must be blocked)`);
    const blocked = await fetchIn(NS2, `http://${ips[0]}:8080/`, 2000).then(
      () => false,
      () => true,
    );
    show(blocked ? 'blocked: CNI-ISOLATION-STAGE-2 drops traffic from another bridge' : 'NOT BLOCKED');
    if (!blocked) throw new Error(`${NS2} reached ${NS[0]} across the networks`);
    say(`${NS2} -> its own gateway: http://${GW2}:8081/ (allowed)`);
    await fetchIn(NS2, `http://${GW2}:8081/`);
    say("The firewall plugin's rules (iptables-save -t filter, the CNI chains)");
    const filter = await execa('iptables-save', ['-t', 'filter']);
    const demoRule = (l: string) =>
      l.includes(BRIDGE) || l.includes(BRIDGE2) || /10\.213\.0\.|10\.201\.213\./.test(l) || /-j (CNI-FORWARD|CNI-ISOLATION-STAGE-1|CNI-ADMIN|RETURN)$/.test(l);
    show(
      filter.stdout
        .split('\n')
        .filter((l) => /^-A (FORWARD|CNI-FORWARD|CNI-ISOLATION-STAGE-[12]) /.test(l) && demoRule(l))
        .join('\n'),
    );
  } finally {
    for (const s of servers) s.kill();
    say('Detaching the containers: cnitool del');
    for (const [net, ns, capArgs] of attached) {
      // Runtimes pass the same capability arguments to DEL as to ADD.
      await sh(CNITOOL, ['del', net, `/var/run/netns/${ns}`], { env: cnitoolEnv({ CAP_ARGS: capArgs }) }).catch((e) => show(String(e)));
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
    for (const br of [BRIDGE, BRIDGE2]) await execa('ip', ['link', 'del', br], { reject: false });
    // The isolation rules of a bridge outlive its containers (as upstream's): the demo's bridges are gone.
    await removeIsolationOf([BRIDGE, BRIDGE2]);
    rmSync(conf, { recursive: true, force: true });
    // portmap's and the masquerade's shared chains stay for other containers, as upstream's do;
    // the demo made them, and no container uses them now.
    await removeNewScaffold(scaffold);
  }
  const after = await snapshot();
  say(after === before ? 'The host is as it was: no links, rules or leases of the demo remain.' : `Leftovers:\n${after}`);
  if (after !== before) process.exitCode = 1;
}

await main();
