// Which build an executable belongs to. build/bundle.ts defines CNI_TS_BUILD_TAG as
// "cni-ts-build-id:<random hex>", the same for every bundle of one build, and build/package.ts
// appends "\n<tag>:<plugin>\n" to each executable (ELF loaders ignore trailing bytes).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

declare const CNI_TS_BUILD_TAG: string | undefined;

/** Empty when running unbundled (tests, development). */
export const BUILD_TAG: string = typeof CNI_TS_BUILD_TAG === 'string' ? CNI_TS_BUILD_TAG : '';

export const trailerFor = (tag: string, plugin: string): string => `\n${tag}:${plugin}\n`;

/** True when `file` is the executable of `plugin` from this very build (same code as ours). */
export function isSameBuild(file: string, plugin: string): boolean {
  if (BUILD_TAG === '') return false;
  const want = Buffer.from(trailerFor(BUILD_TAG, plugin));
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size < want.length) return false;
    const got = Buffer.alloc(want.length);
    readSync(fd, got, 0, want.length, size - want.length);
    return got.equals(want);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
