// The content hash of a COPY step, computed the way the official SDKs do (WIRE.md §E.3), so that
// the platform's cache recognises a build context it has already stored.
//
// Per source: SHA-256 over `COPY {src} {dest}`, then for each regular file it matches, sorted by
// absolute path: its path relative to the context, st_mode, size, mtime in ms, and its content.
// Several sources: SHA-256 over the concatenation of their hex digests. (mtime is whole
// milliseconds, as the Python SDK writes it; the JavaScript SDK can write a fraction.)
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { localFileError } from '../files/local-file.js';

export interface MatchedFile {
  absolute: string;
  /** Relative to the context, with `/` separators (what goes into the archive). */
  relative: string;
  mode: number;
  size: number;
  mtimeMs: number;
}

/** Every regular file under `source` (a file or a directory, relative to the context), sorted by absolute path. */
export async function matchSource(contextDir: string, source: string): Promise<MatchedFile[]> {
  const root = resolve(contextDir);
  const start = resolve(root, source);
  if (isAbsolute(source) || (start !== root && !start.startsWith(root + sep))) {
    throw localFileError(
      start,
      'read',
      Object.assign(new Error(`COPY source ${source} is outside the build context ${root}`), { code: 'EOUTSIDE' }),
    );
  }
  const found: MatchedFile[] = [];
  async function walk(path: string): Promise<void> {
    let stat: Stats;
    try {
      stat = await lstat(path);
    } catch (cause) {
      throw localFileError(path, 'read', cause);
    }
    if (stat.isDirectory()) {
      for (const entry of await readdir(path)) await walk(join(path, entry));
    } else if (stat.isFile()) {
      found.push({
        absolute: path,
        relative: relative(root, path).split(sep).join('/'),
        mode: stat.mode,
        size: stat.size,
        mtimeMs: Math.floor(stat.mtimeMs),
      });
    }
  }
  await walk(start);
  return found.sort((a, b) => (a.absolute < b.absolute ? -1 : a.absolute > b.absolute ? 1 : 0));
}

export async function hashSource(files: MatchedFile[], source: string, dest: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`COPY ${source} ${dest}`);
  for (const file of files) {
    hash.update(file.relative);
    hash.update(String(file.mode));
    hash.update(String(file.size));
    hash.update(String(file.mtimeMs));
    for await (const chunk of createReadStream(file.absolute)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** The COPY step's filesHash, and the files it covers (for the archive). */
export async function hashCopyStep(
  contextDir: string,
  sources: string[],
  dest: string,
): Promise<{ filesHash: string; files: MatchedFile[] }> {
  const digests: string[] = [];
  const files: MatchedFile[] = [];
  for (const source of sources) {
    const matched = await matchSource(contextDir, source);
    digests.push(await hashSource(matched, source, dest));
    files.push(...matched);
  }
  const [only] = digests;
  const filesHash =
    digests.length === 1 && only !== undefined ? only : createHash('sha256').update(digests.join('')).digest('hex');
  return { filesHash, files };
}
