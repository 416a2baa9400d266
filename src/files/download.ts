// Downloads from the agent (`GET /files/download`): as a stream, as bytes, or straight to a local
// file. A file on disk is written under a temporary name and renamed only once every byte arrived,
// so a download that is cut off never leaves a half-written file that looks complete.
import type { AgentClient, ThrowingAgentClient } from '../agent-client.js';
import type { CallOptions } from '../client-types.js';
import { HopxConnectionError } from '../errors.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { dataOf } from '../results.js';
import { type Chunks, localFileError, nodeFs } from './local-file.js';

export interface DownloadOptions extends CallOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive: `(received, total)`; total is undefined without a Content-Length. */
  onProgress?: (received: number, total: number | undefined) => void;
}

type Agent = AgentClient | ThrowingAgentClient;
const OPERATION = 'GET /files/download';
type FileHandle = import('node:fs/promises').FileHandle;

/** The file's bytes as a stream, read from the network as the caller reads it. */
export async function downloadFile(
  agent: Agent,
  path: string,
  options: DownloadOptions = {},
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
  const { chunks, size } = await fileBody(agent, path, options);
  // Pulled chunk by chunk (highWaterMark 0): nothing is read from the network before the caller asks.
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await chunks.next();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel: (reason) => chunks.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { stream, size };
}

/**
 * The response body as chunks, counted as they are read: progress is reported, and a body that
 * ends short of its Content-Length is an error (the connection gave no error, but it is incomplete).
 */
async function fileBody(
  agent: Agent,
  path: string,
  options: DownloadOptions,
): Promise<{ chunks: Chunks; size: number | undefined }> {
  const { onProgress, ...call } = options;
  const result = await resultClientOf(agent).GET('/files/download', {
    ...call,
    params: { query: { path } },
    parseAs: 'stream',
  });
  const reader = dataOf(result, OPERATION).getReader();
  const header = result.response.headers.get('content-length');
  // With a Content-Encoding, Content-Length counts the compressed bytes, not the file's.
  const encoded = (result.response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const size = header === null || encoded ? undefined : Number(header);
  let received = 0;
  const chunks: Chunks = {
    async next() {
      const { done, value } = await reader.read();
      if (!done) {
        received += value.byteLength;
        onProgress?.(received, size);
        return value;
      }
      if (size !== undefined && received !== size) {
        throw new HopxConnectionError(`${OPERATION}: ${path} ended after ${received} of ${size} bytes`, {
          operation: OPERATION,
        });
      }
      return undefined;
    },
    cancel: (reason) => reader.cancel(reason),
  };
  return { chunks, size };
}

/** The whole file in memory: for small files. */
export async function downloadBytes(agent: Agent, path: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const { stream } = await downloadFile(agent, path, options);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Streams the file to `localPath` (Node). Writes `<localPath>.<random>.partial` and renames it when
 * complete; on any failure the partial file is removed and the error rethrown.
 */
export async function downloadToFile(
  agent: Agent,
  path: string,
  localPath: string,
  options: DownloadOptions = {},
): Promise<{ path: string; bytes: number }> {
  const fs = await nodeFs();
  const partial = `${localPath}.${crypto.randomUUID().slice(0, 8)}.partial`;
  let file: FileHandle;
  try {
    const existing = await fs.promises.stat(localPath).catch(() => undefined);
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    file = await fs.promises.open(partial, 'wx');
  } catch (cause) {
    throw localFileError(localPath, 'write', cause);
  }
  try {
    // Read here without downloadFile's stream around the body: one layer less for every chunk.
    const { chunks } = await fileBody(agent, path, options);
    const bytes = await writeAll(chunks, file);
    try {
      await file.close();
      await fs.promises.rename(partial, localPath);
    } catch (cause) {
      throw localFileError(localPath, 'write', cause);
    }
    return { path: localPath, bytes };
  } catch (error) {
    await file.close().catch(() => {});
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
}

/** Chunks are written to the file in batches of about this many bytes, one writev call each. */
const WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Writes the chunks to the file as they are read, in batches (one system call for several chunks,
 * fewer trips to the thread pool). The next batch is read while the last one is written, and no
 * further: the body is read no faster than the disk takes it, so a slow disk slows the download
 * down instead of filling memory. Resolves with the number of bytes written.
 */
async function writeAll(chunks: Chunks, file: FileHandle): Promise<number> {
  let writing: Promise<void> = Promise.resolve();
  let batch: Uint8Array[] = [];
  let batched = 0;
  let bytes = 0;
  const flush = async () => {
    await writing;
    writing = writeFully(file, batch);
    // A failed write is thrown by the next `await writing`; until then it is not unhandled.
    writing.catch(() => {});
    batch = [];
    batched = 0;
  };
  try {
    for (let chunk = await chunks.next(); chunk; chunk = await chunks.next()) {
      batch.push(chunk);
      batched += chunk.byteLength;
      bytes += chunk.byteLength;
      if (batched >= WRITE_BATCH_BYTES) await flush();
    }
    if (batched > 0) await flush();
    await writing;
    return bytes;
  } catch (error) {
    await chunks.cancel(error).catch(() => {});
    await writing.catch(() => {});
    throw error;
  }
}

/** writev may write only part of the batch (as writev(2) may): the rest is written after it. */
async function writeFully(file: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let { bytesWritten } = await file.writev(chunks);
  for (const chunk of chunks) {
    if (bytesWritten >= chunk.byteLength) {
      bytesWritten -= chunk.byteLength;
      continue;
    }
    for (let at = bytesWritten; at < chunk.byteLength; ) at += (await file.write(chunk, at)).bytesWritten;
    bytesWritten = 0;
  }
}
