import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { goKeys, goObject, parseConfig } from './schema.ts';
import { parseCniArgs } from './args.ts';
import { ifnameProblem, pathProblem, pluginTypeProblem, batchToken, isValidId } from './validate.ts';
import { assertSupported, compareVersions, parseVersion } from './version.ts';
import { hashWithPrefix } from '../host/hash.ts';
import { quote } from '../host/iptables.ts';
import { nftString } from '../host/nftables.ts';

describe('goKeys / goObject', () => {
  it('renames keys case-insensitively, exact match first, later duplicates win, nulls ignored', () => {
    expect(goKeys({ HostPort: 1, protocol: 'tcp', Extra: true, hostIP: null }, ['hostPort', 'protocol', 'hostIP'])).toEqual({
      hostPort: 1,
      protocol: 'tcp',
      Extra: true,
    });
    expect(goKeys({ hostport: 1, hostPort: 2 }, ['hostPort'])).toEqual({ hostPort: 2 });
  });

  it('keeps unknown keys and names the field of a type error', () => {
    const S = goObject({ name: z.string(), hairpinMode: z.optional(z.boolean()) });
    expect(parseConfig(S, { name: 'n', other: 1 })).toEqual({ name: 'n', other: 1 });
    expect(() => parseConfig(S, { name: 'n', HairpinMode: 'true' })).toThrow(/hairpinMode: .*expected boolean/);
  });
});

describe('CNI_ARGS', () => {
  it('parses known keys and rejects unknown ones unless IgnoreUnknown', () => {
    expect(parseCniArgs('IP=10.0.0.2', ['IP']).get('IP')).toBe('10.0.0.2');
    expect(() => parseCniArgs('FOO=bar', ['IP'])).toThrow('ARGS: unknown args ["FOO=bar"]');
    expect(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=x;FOO=bar', ['IP']).size).toBe(0);
    expect(parseCniArgs('IgnoreUnknown=TRUE;FOO=bar', []).size).toBe(0);
    expect(() => parseCniArgs('IP', ['IP'])).toThrow('ARGS: invalid pair "IP"');
    expect(() => parseCniArgs('IP=a=b', ['IP'])).toThrow('invalid pair');
    expect(() => parseCniArgs('ip=10.0.0.2', ['IP'])).toThrow('unknown args');
  });
});

describe('validation', () => {
  it('applies the kernel and skel rules to interface names', () => {
    expect(ifnameProblem('eth0')).toBeUndefined();
    expect(ifnameProblem('')).toMatch(/empty/);
    expect(ifnameProblem('a'.repeat(16))).toMatch(/too long/);
    for (const bad of ['.', '..', 'a/b', 'a:b', 'a b', 'a\nb', 'a"b', 'a;b', 'a\0b']) expect(ifnameProblem(bad)).toBeDefined();
  });

  it('checks ids, plugin types and paths', () => {
    expect(isValidId('abc-1.2_3')).toBe(true);
    expect(isValidId('_x y')).toBe(false);
    expect(isValidId('-bad/x')).toBe(false);
    expect(pluginTypeProblem('host-local')).toBeUndefined();
    expect(pluginTypeProblem('../bin/sh')).toMatch(/separator/);
    expect(pathProblem('/var/lib/cni')).toBeUndefined();
    expect(pathProblem('relative')).toMatch(/absolute/);
    expect(pathProblem('/a/../b')).toMatch(/\.\./);
    expect(pathProblem('/a\nb')).toMatch(/control/);
  });

  it('refuses batch tokens and ruleset strings that could inject syntax', () => {
    expect(batchToken('eth0')).toBe('eth0');
    for (const bad of ['', 'a b', 'a\nb', 'a#b', 'a"b']) expect(() => batchToken(bad)).toThrow();
    expect(quote('name: "x" id: "y"')).toBe('"name: \\"x\\" id: \\"y\\""');
    expect(() => quote('a\nCOMMIT')).toThrow();
    expect(() => nftString('a" ; flush ruleset ; "')).toThrow();
  });
});

describe('versions', () => {
  it('parses and compares', () => {
    expect(parseVersion('')).toEqual([0, 1, 0]);
    expect(parseVersion('1.1')).toEqual([1, 1, 0]);
    expect(() => parseVersion('1.2.3.4')).toThrow();
    expect(compareVersions('0.4.0', '0.3.1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.1.0')).toBeLessThan(0);
  });

  it('accepts exactly the supported list', () => {
    for (const v of ['', '0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) expect(() => assertSupported(v)).not.toThrow();
    for (const v of ['9.9.9', '1.1', '0.5.0']) expect(() => assertSupported(v)).toThrow(/incompatible CNI versions/);
  });
});

describe('hash names', () => {
  it('matches the reference test vectors', () => {
    expect(hashWithPrefix(28, 'CNI-', 'test1234')).toBe('CNI-2bbe0c48b91a7d1b8a6753a8');
    expect(hashWithPrefix(28, 'CNI-', 'rs-netcnitool-0e868ebb1c0827604a43')).toBe('CNI-c2e4309f7ca3a7a5d156b917');
    expect(hashWithPrefix(28, 'CNI-DN-', 'rs-netcnitool-0e868ebb1c0827604a43')).toBe('CNI-DN-c2e4309f7ca3a7a5d156b');
  });
});
