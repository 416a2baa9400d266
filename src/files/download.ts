// Downloads from the agent (`GET /files/download`): as a stream, as bytes, or straight to a local
// file. A file on disk is written under a temporary name and renamed only once every byte arrived,
// so a download that is cut off never leaves a half-written file that looks complete.
import type { AgentClient, ThrowingAgentClient } from '../agent-client.js';
import type { CallOptions } from '../client-types.js';
import { HopxConnectionError } from '../errors.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { dataOf } from '../results.js';
import { localFileError, nodeFs } from './local-file.js';

export interface DownloadOptions extends CallOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive: `(received, total)`; total is undefined without a Content-Length. */
  onProgress?: (received: number, total: number | undefined) => void;
}

type Agent = AgentClient | ThrowingAgentClient;
const OPERATION = 'GET /files/download';

/** The file's bytes as a stream, read from the network as the caller reads it. */
export async function downloadFile(
  agent: Agent,
  path: string,
  options: DownloadOptions = {},
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
  const { onProgress, ...call } = options;
  const result = await resultClientOf(agent).GET('/files/download', {
    ...call,
    params: { query: { path } },
    parseAs: 'stream',
  });
  const body = dataOf(result, OPERATION);
  const header = result.response.headers.get('content-length');
  // With a Content-Encoding, Content-Length counts the compressed bytes, not the file's.
  const encoded = (result.response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const size = header === null || encoded ? undefined : Number(header);
  let received = 0;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        onProgress?.(received, size);
        controller.enqueue(chunk);
      },
      flush() {
        // A body that ends early without an error from the connection is still incomplete.
        if (size !== undefined && received !== size) {
          throw new HopxConnectionError(`${OPERATION}: ${path} ended after ${received} of ${size} bytes`, {
            operation: OPERATION,
          });
        }
      },
    }),
  );
  return { stream, size };
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
  const { Readable, Writable } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const partial = `${localPath}.${crypto.randomUUID().slice(0, 8)}.partial`;
  let out: import('node:fs').WriteStream;
  try {
    const existing = await fs.promises.stat(localPath).catch(() => undefined);
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    out = fs.createWriteStream(partial, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
  } catch (cause) {
    throw localFileError(localPath, 'write', cause);
  }
  try {
    const { stream } = await downloadFile(agent, path, options);
    let bytes = 0;
    await pipeline(
      Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.byteLength;
          out.write(chunk, callback);
        },
        final(callback) {
          out.end(callback);
        },
      }),
    );
    try {
      await fs.promises.rename(partial, localPath);
    } catch (cause) {
      throw localFileError(localPath, 'write', cause);
    }
    return { path: localPath, bytes };
  } catch (error) {
    out.destroy();
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
}
