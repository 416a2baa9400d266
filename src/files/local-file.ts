// Node-only access to local files, loaded on demand so the core client runs without `node:fs`.
import { HopxLocalFileError } from '../errors.js';

type Fs = typeof import('node:fs');

export async function nodeFs(): Promise<Fs> {
  return import('node:fs');
}

/** A Blob backed by the file on disk (read lazily, never held in memory), or a clear typed error. */
export async function blobFromPath(path: string): Promise<Blob> {
  const fs = await nodeFs();
  try {
    const stat = await fs.promises.stat(path);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return await fs.openAsBlob(path);
  } catch (cause) {
    throw localFileError(path, 'read', cause);
  }
}

export function localFileError(path: string, action: 'read' | 'write', cause: unknown): HopxLocalFileError {
  const code = (cause as { code?: string } | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'not-found'
      : code === 'EISDIR'
        ? 'is-directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission-denied'
          : 'other';
  const what = {
    'not-found': action === 'read' ? 'does not exist' : 'cannot be created (its folder does not exist)',
    'is-directory': 'is a directory, not a file',
    'permission-denied': `cannot be ${action === 'read' ? 'read' : 'written'} (permission denied)`,
    other: `cannot be ${action === 'read' ? 'read' : 'written'} (${(cause as Error)?.message ?? String(cause)})`,
  }[reason];
  return new HopxLocalFileError(`Local file ${path} ${what}`, { path, reason, cause });
}
