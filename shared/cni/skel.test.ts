// The skeleton's dispatch, driven through serve() with fake I/O: the order of its checks (as in
// containernetworking/cni `pkg/skel/skel.go`), the error codes, and the output in each version.
import { describe, expect, it } from 'vitest';
import { CniError, Code } from './errors.ts';
import { serve, type Ctx, type Plugin } from './skel.ts';
import type { Result } from './result.ts';

const RESULT: Result = {
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/proc/self/ns/net' }],
  ips: [{ interface: 0, address: '10.9.0.2/24', gateway: '10.9.0.1' }],
};
const ENV = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/proc/self/ns/net', CNI_NETNS_OVERRIDE: '1', CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' };

function fake(opts: { add?: () => Promise<Result>; del?: () => Promise<void> } = {}) {
  const seen: Array<[string, Ctx]> = [];
  const plugin: Plugin = {
    name: 'fake',
    add: async (ctx) => {
      seen.push(['ADD', ctx]);
      return (opts.add ?? (async () => RESULT))();
    },
    del: async (ctx) => {
      seen.push(['DEL', ctx]);
      return (opts.del ?? (async () => undefined))();
    },
    check: async (ctx) => void seen.push(['CHECK', ctx]),
  };
  return { plugin, seen };
}

async function call(plugin: Plugin, env: Record<string, string>, stdin?: string) {
  let out = '';
  let err = '';
  let stdinRead = false;
  const code = await serve(plugin, {
    env,
    readStdin: () => {
      stdinRead = true;
      if (stdin === undefined) throw new Error('stdin must not be read');
      return stdin;
    },
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  return { code, out, err, stdinRead, json: out ? JSON.parse(out) : undefined };
}

const conf = (v: string, extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: v, name: 'net1', type: 'fake', ...extra });

describe('serve', () => {
  it('without CNI_COMMAND: the about text on stderr, nothing on stdout, exit 0', async () => {
    const r = await call(fake().plugin, {});
    expect(r).toMatchObject({ code: 0, out: '', stdinRead: false });
    expect(r.err).toMatch(/^CNI fake plugin .*\nCNI protocol versions supported: 0\.1\.0, .*1\.1\.0\n$/);
  });

  it('VERSION needs neither environment nor stdin', async () => {
    const r = await call(fake().plugin, { CNI_COMMAND: 'VERSION' });
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  it('an unknown command is code 4, in the current version', async () => {
    const r = await call(fake().plugin, { CNI_COMMAND: 'FROB' });
    expect(r.code).toBe(1);
    expect(r.json).toEqual({ cniVersion: '1.1.0', code: 4, msg: 'unknown CNI_COMMAND: FROB' });
  });

  it('the environment is checked before stdin is read', async () => {
    const { plugin, seen } = fake();
    const r = await call(plugin, { CNI_COMMAND: 'ADD', CNI_PATH: '/x' });
    expect(r.json).toMatchObject({ code: 4, msg: 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing' });
    expect(r.stdinRead).toBe(false);
    expect(seen).toEqual([]);
  });

  it('stdin that is not a JSON object is code 6; a missing name is code 7', async () => {
    expect((await call(fake().plugin, { ...ENV, CNI_COMMAND: 'ADD' }, '{')).json).toMatchObject({ code: 6 });
    expect((await call(fake().plugin, { ...ENV, CNI_COMMAND: 'ADD' }, '[1]')).json).toMatchObject({
      code: 6,
      msg: expect.stringMatching(/must be a JSON object/),
    });
    expect((await call(fake().plugin, { ...ENV, CNI_COMMAND: 'ADD' }, '{"cniVersion":"1.0.0"}')).json).toMatchObject({ code: 7, msg: 'missing network name' });
    expect((await call(fake().plugin, { ...ENV, CNI_COMMAND: 'ADD' }, '{"cniVersion":"1.0.0","name":"a b"}')).json).toMatchObject({
      code: 7,
      msg: 'invalid characters found in network name',
    });
  });

  it('an unsupported version is code 1; CHECK before 0.4.0 is refused, the error printed in the config version', async () => {
    const { plugin, seen } = fake();
    expect((await call(plugin, { ...ENV, CNI_COMMAND: 'ADD' }, conf('9.9.9'))).json).toMatchObject({ code: 1 });
    const r = await call(plugin, { ...ENV, CNI_COMMAND: 'CHECK' }, conf('0.3.1'));
    expect(r.json).toEqual({ cniVersion: '0.3.1', code: 1, msg: 'config version does not allow CHECK' });
    expect(seen).toEqual([]);
  });

  it('a namespace path that is not a network namespace is refused before the plugin runs', async () => {
    const { plugin, seen } = fake();
    const r = await call(plugin, { ...ENV, CNI_NETNS: '/dev/null', CNI_COMMAND: 'ADD' }, conf('1.0.0'));
    expect(r.json).toMatchObject({ code: 4, msg: expect.stringMatching(/^CNI_NETNS: /) });
    expect(seen).toEqual([]);
  });

  it("the plugin's own namespace is code 8 unless CNI_NETNS_OVERRIDE is set", async () => {
    const { plugin, seen } = fake();
    const r = await call(plugin, { ...ENV, CNI_NETNS_OVERRIDE: '', CNI_COMMAND: 'ADD' }, conf('1.0.0'));
    expect(r.json).toMatchObject({ code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same" });
    expect(seen).toEqual([]);
  });

  it('ADD passes the context and prints the result in the config version', async () => {
    const { plugin, seen } = fake();
    const stdin = conf('0.3.1', { extra: 1 });
    const r = await call(plugin, { ...ENV, CNI_COMMAND: 'ADD' }, stdin);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({
      cniVersion: '0.3.1',
      interfaces: RESULT.interfaces,
      ips: [{ version: '4', interface: 0, address: '10.9.0.2/24', gateway: '10.9.0.1' }],
      dns: {},
    });
    expect(seen.map(([v]) => v)).toEqual(['ADD']);
    const ctx = seen[0]![1];
    expect(ctx).toMatchObject({ stdin, cniVersion: '0.3.1', name: 'net1', raw: { extra: 1 } });
    expect(ctx.env).toMatchObject({ command: 'ADD', containerId: 'c1', ifname: 'eth0', path: ['/nonexistent'] });
  });

  it("a plugin's error is printed with its code in the config version; a result that cannot be printed is undone by DEL", async () => {
    const failing = fake({
      add: async () => {
        throw new CniError(Code.TryAgainLater, 'busy', 'later');
      },
    });
    expect((await call(failing.plugin, { ...ENV, CNI_COMMAND: 'ADD' }, conf('1.0.0'))).json).toEqual({
      cniVersion: '1.0.0',
      code: 11,
      msg: 'busy',
      details: 'later',
    });
    const l2 = fake({ add: async () => ({ interfaces: [{ name: 'eth0' }] }) });
    const r = await call(l2.plugin, { ...ENV, CNI_COMMAND: 'ADD' }, conf('0.2.0'));
    expect(r.code).toBe(1);
    expect(l2.seen.map(([v]) => v)).toEqual(['ADD', 'DEL']);
  });

  it('DEL without a namespace reaches the plugin; nothing is printed on success', async () => {
    const { plugin, seen } = fake();
    const r = await call(plugin, { ...ENV, CNI_NETNS: '', CNI_COMMAND: 'DEL' }, conf('1.1.0'));
    expect(r).toMatchObject({ code: 0, out: '' });
    expect(seen.map(([v]) => v)).toEqual(['DEL']);
  });
});
