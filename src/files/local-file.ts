// Node-only access to local files, loaded on demand so the core client runs without `node:fs`.
import { HopxLocalFileError } from '../errors.js';

type Fs = typeof import('node:fs');

export async function nodeFs(): Promise<Fs> {
  return import('node:fs');
}

/** The size of a local file that can be read, or a clear typed error (before anything is sent). */
export async function readableFileSize(path: string): Promise<number> {
  const fs = await nodeFs();
  try {
    const stat = await fs.promises.stat(path);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await fs.promises.access(path, fs.constants.R_OK);
    return stat.size;
  } catch (cause) {
    throw localFileError(path, 'read', cause);
  }
}

/** Chunks handed out one at a time, as they are asked for. */
export interface Chunks {
  /** The next chunk, or undefined at the end. */
  next(): Promise<Uint8Array | undefined>;
  /** The reader gave up: release what is held (a stream's lock, chunks read ahead). */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * The file goes out in chunks of 32 KiB. Larger chunks cost less CPU but more memory: V8 frees sent
 * chunks only at its next young-generation collection, and the fewer objects made per byte, the
 * more bytes wait for it. Measured on a 512 MiB file against a plain fetch streaming it (80 MiB
 * peak RSS): 64 KiB chunks 1.3x as fast, 99 MiB; 32 KiB 1.35x, 87-90 MiB; 16 KiB 1.05x, 79 MiB.
 */
const CHUNK_BYTES = 32 * 1024;
/** Chunks filled by one read (readv): one trip to the thread pool per MiB instead of one per chunk. */
const CHUNKS_PER_READ = 32;

/**
 * The first `size` bytes of the file at `path`, read as they are asked for, one read ahead at most.
 * Each chunk is a buffer of its own, so it can be freed once sent (slices of one larger buffer
 * would keep all of it alive until the last slice is sent). The file is opened for each read and
 * closed right after: fetch does not always cancel a body it gave up on (a connection reset
 * mid-upload), and a handle kept open between reads would then stay open.
 */
export function fileChunks(path: string, size: number): Chunks {
  let position = 0;
  const ready: Uint8Array[] = [];
  let modules: Promise<[Fs, typeof import('node:buffer')]> | undefined;
  return {
    async next() {
      if (ready.length === 0 && position < size) {
        const count = Math.min(CHUNKS_PER_READ, Math.ceil((size - position) / CHUNK_BYTES));
        modules ??= Promise.all([nodeFs(), import('node:buffer')]);
        const [fs, { Buffer }] = await modules;
        // allocUnsafeSlow: the read fills every byte, so zeroing the buffers first would be wasted work.
        const buffers = Array.from({ length: count }, (_, i) =>
          Buffer.allocUnsafeSlow(Math.min(CHUNK_BYTES, size - position - i * CHUNK_BYTES)),
        );
        let bytesRead: number;
        try {
          const file = await fs.promises.open(path, 'r');
          try {
            ({ bytesRead } = await file.readv(buffers, position));
          } finally {
            await file.close();
          }
          if (bytesRead === 0)
            throw new Error(`it changed while being sent: it ended after ${position} of ${size} bytes`);
        } catch (cause) {
          throw localFileError(path, 'read', cause);
        }
        position += bytesRead;
        for (const buffer of buffers) {
          if (bytesRead <= 0) break;
          ready.push(bytesRead < buffer.byteLength ? buffer.subarray(0, bytesRead) : buffer);
          bytesRead -= buffer.byteLength;
        }
      }
      return ready.shift();
    },
    async cancel() {
      ready.length = 0;
    },
  };
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
