// Shared by the template-build tests: a build context on disk with fixed modes and mtimes, the
// COPY step's files hash recomputed independently from WIRE.md §E.3, and a tar.gz reader.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { t, x } from 'tar';

/** Files of the fixture context, relative to it. `secret.env` is never named by a COPY step. */
export const CONTEXT_FILES: Record<string, Uint8Array> = {
  'app/main.py': Buffer.from('from lib.util import answer\nprint(answer())\n'),
  'app/lib/util.py': Buffer.from('def answer():\n    return 42\n'),
  // '-' sorts before '/', so by absolute path this file comes before app/lib/util.py, although a
  // depth-first walk of sorted directory entries would visit the `lib` folder first.
  'app/lib-notes.txt': Buffer.from('notes\n'),
  'app/data.bin': binaryBytes(70_000),
  'requirements.txt': Buffer.from('numpy==2.1.2\npandas==2.2.3\n'),
  'secret.env': Buffer.from('API_KEY=do-not-ship\n'),
};

/** Seconds since the epoch, with a fraction below the millisecond (so mtimeMs is not whole). */
export const BASE_MTIME = 1_700_000_000.1234567;

/** The mtime (seconds) makeContext gave a fixture file. */
export function fixtureMtime(path: string): number {
  return BASE_MTIME + Object.keys(CONTEXT_FILES).indexOf(path);
}

export interface TempContext {
  dir: string;
  cleanup(): Promise<void>;
}

/** A fresh build context: every file mode 0644, mtime BASE_MTIME + its index in seconds. */
export async function makeContext(files: Record<string, Uint8Array> = CONTEXT_FILES): Promise<TempContext> {
  const dir = await mkdtemp(join(tmpdir(), 'hopx-template-ctx-'));
  let i = 0;
  for (const [path, bytes] of Object.entries(files)) {
    const absolute = join(dir, path);
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, bytes);
    await chmod(absolute, 0o644);
    const when = BASE_MTIME + i++;
    await utimes(absolute, when, when);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function tempFolder(prefix: string): Promise<TempContext> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every regular file under `path` (a file or a folder), as absolute paths, unsorted. */
function regularFiles(path: string): string[] {
  const stat = lstatSync(path);
  if (stat.isDirectory()) return readdirSync(path).flatMap((entry) => regularFiles(join(path, entry)));
  return stat.isFile() ? [path] : [];
}

/**
 * WIRE.md §E.3, written out independently of src/: per source, SHA-256 over `COPY {src} {dest}`, then
 * for each file sorted by absolute path its relative path, st_mode, size, whole-ms mtime and content;
 * several sources: SHA-256 of the concatenated hex digests.
 */
export function expectedFilesHash(contextDir: string, sources: string[], dest: string): string {
  const digests = sources.map((source) => {
    const hash = createHash('sha256');
    hash.update(`COPY ${source} ${dest}`, 'utf8');
    const files = regularFiles(join(contextDir, source)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const file of files) {
      const stat = lstatSync(file);
      hash.update(relative(contextDir, file).split(sep).join('/'), 'utf8');
      hash.update(String(stat.mode), 'utf8');
      hash.update(String(stat.size), 'utf8');
      hash.update(String(Math.floor(stat.mtimeMs)), 'utf8');
      hash.update(readFileSync(file));
    }
    return hash.digest('hex');
  });
  return digests.length === 1 ? digests[0]! : createHash('sha256').update(digests.join(''), 'utf8').digest('hex');
}

/** The relative paths of the fixture files a list of COPY sources covers, sorted. */
export function filesUnder(sources: string[], files: Record<string, Uint8Array> = CONTEXT_FILES): string[] {
  return Object.keys(files)
    .filter((path) => sources.some((source) => path === source || path.startsWith(`${source}/`)))
    .sort();
}

/** Lists and extracts a .tar.gz (given as bytes): entry paths and types in order, and each file's bytes. */
export async function readTarGz(
  archive: Uint8Array,
): Promise<{ entries: Array<{ path: string; type: string }>; files: Map<string, Buffer> }> {
  const work = await tempFolder('hopx-template-tar-');
  try {
    const file = join(work.dir, 'context.tar.gz');
    await writeFile(file, archive);
    const entries: Array<{ path: string; type: string }> = [];
    await t({
      file,
      onReadEntry: (entry) => {
        entries.push({ path: entry.path, type: entry.type });
      },
    });
    const out = join(work.dir, 'out');
    await mkdir(out);
    await x({ file, cwd: out });
    const files = new Map<string, Buffer>();
    for (const absolute of regularFiles(out))
      files.set(relative(out, absolute).split(sep).join('/'), await readFile(absolute));
    return { entries, files };
  } finally {
    await work.cleanup();
  }
}

export const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** Deterministic bytes covering every value 0-255 (so a text-mode mangling would show). */
function binaryBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = 0x2545f491;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s + i) & 0xff;
  }
  return out;
}
