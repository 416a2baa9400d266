// Packs the files of a COPY step into a .tar.gz (node-tar, portable headers) in a temporary file,
// so that even a large build context is streamed to the upload instead of held in memory.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import type { MatchedFile } from './files-hash.js';

export interface PackedContext {
  path: string;
  size: number;
  dispose(): Promise<void>;
}

export async function packContext(contextDir: string, files: MatchedFile[]): Promise<PackedContext> {
  const dir = await mkdtemp(join(tmpdir(), 'hopx-context-'));
  const path = join(dir, 'context.tar.gz');
  try {
    await create({ gzip: true, portable: true, cwd: contextDir, file: path, noDirRecurse: true }, [
      ...new Set(files.map((f) => f.relative)),
    ]);
    return { path, size: (await stat(path)).size, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
