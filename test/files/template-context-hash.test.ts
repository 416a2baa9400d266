// The COPY step's files hash and archive (WIRE.md §E.3): the hash is recomputed here independently
// and must match exactly, it must move when one byte or one mtime moves, and the tar.gz must hold
// exactly the files the hash covers, relative to the context.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HopxLocalFileError } from '../../src/index.js';
import { hashCopyStep, packContext } from '../../src/template-build/index.js';
import {
  CONTEXT_FILES,
  expectedFilesHash,
  filesUnder,
  fixtureMtime,
  makeContext,
  readTarGz,
  sha256Hex,
  type TempContext,
} from './template-support.js';

let ctx: TempContext;
const extra: TempContext[] = [];
beforeEach(async () => {
  ctx = await makeContext();
});
afterEach(async () => {
  await ctx.cleanup();
  for (const folder of extra.splice(0)) await folder.cleanup();
});

describe('hashCopyStep', () => {
  it('one file: exactly SHA-256 of "COPY src dest", path, mode, size, whole-ms mtime and content', async () => {
    const one = await makeContext({ 'a.txt': Buffer.from('abc') });
    extra.push(one);
    const mtimeMs = (await stat(join(one.dir, 'a.txt'))).mtimeMs;
    // The fixture's mtime has a sub-millisecond part on this file system, so a fractional mtime
    // (the JavaScript SDK's `mtimeMs.toString()`) would give another hash.
    expect(mtimeMs).toBeGreaterThan(1_700_000_000_123);
    expect(mtimeMs).toBeLessThan(1_700_000_000_124);
    const golden = createHash('sha256')
      .update('COPY a.txt /dst' + 'a.txt' + '33188' + '3' + '1700000000123' + 'abc')
      .digest('hex');
    const { filesHash, files } = await hashCopyStep(one.dir, ['a.txt'], '/dst');
    expect(filesHash).toBe(golden);
    expect(filesHash).toMatch(/^[a-f0-9]{64}$/);
    expect(files.map((f) => [f.relative, f.mode, f.size, f.mtimeMs])).toEqual([
      ['a.txt', 0o100644, 3, 1_700_000_000_123],
    ]);
  });

  it('a folder source matches the independent recomputation, files sorted by absolute path', async () => {
    const { filesHash, files } = await hashCopyStep(ctx.dir, ['app'], '/workspace/app');
    expect(filesHash).toBe(expectedFilesHash(ctx.dir, ['app'], '/workspace/app'));
    // Sorted by absolute path: 'app/lib-notes.txt' < 'app/lib/util.py' because '-' < '/'.
    expect(files.map((f) => f.relative)).toEqual([
      'app/data.bin',
      'app/lib-notes.txt',
      'app/lib/util.py',
      'app/main.py',
    ]);
    expect(files.map((f) => f.absolute)).toEqual(files.map((f) => join(ctx.dir, f.relative)));
    expect(files.map((f) => f.size)).toEqual(files.map((f) => CONTEXT_FILES[f.relative]!.length));
  });

  it('several sources: SHA-256 over the concatenated hex digests of each source', async () => {
    const both = await hashCopyStep(ctx.dir, ['app', 'requirements.txt'], '/workspace');
    const app = await hashCopyStep(ctx.dir, ['app'], '/workspace');
    const requirements = await hashCopyStep(ctx.dir, ['requirements.txt'], '/workspace');
    expect(both.filesHash).toBe(expectedFilesHash(ctx.dir, ['app', 'requirements.txt'], '/workspace'));
    expect(both.filesHash).toBe(sha256Hex(app.filesHash + requirements.filesHash));
    // The order of the sources is part of the hash.
    expect((await hashCopyStep(ctx.dir, ['requirements.txt', 'app'], '/workspace')).filesHash).toBe(
      sha256Hex(requirements.filesHash + app.filesHash),
    );
    expect(both.files.map((f) => f.relative)).toEqual([...app.files, ...requirements.files].map((f) => f.relative));
    expect(both.files.map((f) => f.relative).sort()).toEqual(filesUnder(['app', 'requirements.txt']));
  });

  it('"." copies the whole context', async () => {
    const { filesHash, files } = await hashCopyStep(ctx.dir, ['.'], '/workspace');
    expect(filesHash).toBe(expectedFilesHash(ctx.dir, ['.'], '/workspace'));
    expect(files.map((f) => f.relative).sort()).toEqual(Object.keys(CONTEXT_FILES).sort());
  });

  it('is stable, and changes with one byte, one millisecond of mtime, the mode or the destination', async () => {
    const sources = ['app', 'requirements.txt'];
    const original = (await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash;
    expect((await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash).toBe(original);
    expect((await hashCopyStep(ctx.dir, sources, '/opt/app')).filesHash).not.toBe(original);

    // One byte of content, same size, mtime put back: a new hash; putting the byte back restores it.
    const util = join(ctx.dir, 'app/lib/util.py');
    const bytes = Buffer.from(CONTEXT_FILES['app/lib/util.py']!);
    bytes[bytes.length - 2] = '3'.charCodeAt(0); // "return 43"
    await writeFile(util, bytes);
    await utimes(util, fixtureMtime('app/lib/util.py'), fixtureMtime('app/lib/util.py'));
    const changedByte = (await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash;
    expect(changedByte).not.toBe(original);
    expect(changedByte).toBe(expectedFilesHash(ctx.dir, sources, '/workspace'));
    await writeFile(util, CONTEXT_FILES['app/lib/util.py']!);
    await utimes(util, fixtureMtime('app/lib/util.py'), fixtureMtime('app/lib/util.py'));
    expect((await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash).toBe(original);

    // One millisecond of mtime, content untouched.
    const requirements = join(ctx.dir, 'requirements.txt');
    const when = fixtureMtime('requirements.txt');
    const originalMtimeMs = (await stat(requirements)).mtimeMs;
    await utimes(requirements, when + 0.001, when + 0.001);
    expect(Math.floor((await stat(requirements)).mtimeMs) - Math.floor(when * 1000)).toBe(1);
    const changedMtime = (await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash;
    expect(changedMtime).not.toBe(original);
    expect(changedMtime).toBe(expectedFilesHash(ctx.dir, sources, '/workspace'));
    // A change below the millisecond is none: the mtime is hashed in whole milliseconds.
    await utimes(requirements, when + 0.0002, when + 0.0002);
    const nearlySame = (await stat(requirements)).mtimeMs;
    expect(nearlySame).not.toBe(originalMtimeMs);
    expect(Math.floor(nearlySame)).toBe(Math.floor(originalMtimeMs));
    expect((await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash).toBe(original);

    // The mode is hashed too.
    await chmod(requirements, 0o755);
    expect((await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash).not.toBe(original);
    expect((await hashCopyStep(ctx.dir, sources, '/workspace')).filesHash).toBe(
      expectedFilesHash(ctx.dir, sources, '/workspace'),
    );
  });

  it('a symbolic link is not a regular file and is left out', async () => {
    await symlink(join(ctx.dir, 'secret.env'), join(ctx.dir, 'app/link.env'));
    const { filesHash, files } = await hashCopyStep(ctx.dir, ['app'], '/workspace');
    expect(files.map((f) => f.relative)).not.toContain('app/link.env');
    expect(filesHash).toBe(expectedFilesHash(ctx.dir, ['app'], '/workspace'));
  });

  it('a source outside the context (relative or absolute) is a HopxLocalFileError', async () => {
    const outside = await makeContext({ 'elsewhere.txt': Buffer.from('x') });
    extra.push(outside);
    for (const source of [
      `../${outside.dir.split('/').pop()}/elsewhere.txt`,
      join(outside.dir, 'elsewhere.txt'),
      'app/../../x',
    ]) {
      const error = await hashCopyStep(ctx.dir, [source], '/workspace').catch((e) => e);
      expect(error, source).toBeInstanceOf(HopxLocalFileError);
      expect(error.message, source).toMatch(/outside the build context/);
    }
  });

  it('a missing source is a HopxLocalFileError (not-found) naming the path', async () => {
    const error = await hashCopyStep(ctx.dir, ['app', 'missing.txt'], '/workspace').catch((e) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect(error.reason).toBe('not-found');
    expect(error.path).toBe(join(ctx.dir, 'missing.txt'));
  });
});

describe('packContext', () => {
  it('packs exactly the matched files as a gzip tar, paths relative to the context, bytes intact', async () => {
    const { files } = await hashCopyStep(ctx.dir, ['app', 'requirements.txt'], '/workspace');
    const packed = await packContext(ctx.dir, files);
    try {
      const archive = await readFile(packed.path);
      expect(packed.size).toBe(archive.length);
      expect([...archive.subarray(0, 2)]).toEqual([0x1f, 0x8b]); // gzip magic
      const { entries, files: extracted } = await readTarGz(archive);
      // Files only (no folder entries, no absolute or ../ paths), each once.
      expect(entries.every((e) => e.type === 'File')).toBe(true);
      expect(entries.map((e) => e.path).sort()).toEqual(filesUnder(['app', 'requirements.txt']));
      expect([...extracted.keys()].sort()).toEqual(filesUnder(['app', 'requirements.txt']));
      for (const [path, bytes] of extracted) expect(sha256Hex(bytes), path).toBe(sha256Hex(CONTEXT_FILES[path]!));
    } finally {
      await packed.dispose();
    }
    expect(existsSync(packed.path)).toBe(false);
  });

  it('a file matched by two sources is archived once', async () => {
    const { files } = await hashCopyStep(ctx.dir, ['app', 'app/main.py'], '/workspace');
    expect(files.filter((f) => f.relative === 'app/main.py')).toHaveLength(2);
    const packed = await packContext(ctx.dir, files);
    try {
      const { entries } = await readTarGz(await readFile(packed.path));
      expect(entries.map((e) => e.path).sort()).toEqual(filesUnder(['app']));
    } finally {
      await packed.dispose();
    }
  });

  it('an empty folder source hashes only its COPY line', async () => {
    await mkdir(join(ctx.dir, 'empty'));
    const { filesHash, files } = await hashCopyStep(ctx.dir, ['empty'], '/workspace');
    expect(files).toEqual([]);
    expect(filesHash).toBe(sha256Hex('COPY empty /workspace'));
  });
});
