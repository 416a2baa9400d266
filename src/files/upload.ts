// Streaming multipart upload to the agent (`POST /files/upload`): the file is read as it is sent,
// never held whole in memory. A path, Blob or bytes can be sent again, so such uploads are retried;
// a one-shot stream is sent once.
import type { components } from '../../generated/schema.js';
import type { AgentClient, ThrowingAgentClient } from '../agent-client.js';
import type { CallOptions } from '../client-types.js';
import { BODY_FACTORY } from '../internal/call-context.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { afterFile, closing, contentTypeOf, fieldPart, filePartHead, newBoundary } from '../internal/multipart.js';
import { dataOf } from '../results.js';
import { blobFromPath } from './local-file.js';

export type UploadSource = string | Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadOptions extends CallOptions {
  /** Called as bytes of the file go out: `(sent, total)`; total is undefined for a stream of unknown size. */
  onProgress?: (sent: number, total: number | undefined) => void;
  signal?: AbortSignal;
  /** The part's filename (default: the destination's basename). */
  filename?: string;
  /** For a stream source: its size, when known (lets the request carry a Content-Length). */
  size?: number;
}

type FileResponse = components['schemas']['FileResponse'];

/**
 * Uploads `source` (a local path, a Blob, bytes or a stream) to `destination` in the sandbox.
 * Resolves with the agent's FileResponse; failures throw typed errors (PathNotAllowedError for a
 * path the agent refuses, HopxLocalFileError for a local file that cannot be read).
 */
export async function uploadFile(
  agent: AgentClient | ThrowingAgentClient,
  destination: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<FileResponse> {
  const { onProgress, filename = basename(destination), size, ...call } = options;
  const boundary = newBoundary();
  const head = new TextEncoder().encode(
    fieldPart(boundary, 'path', destination) + filePartHead(boundary, 'file', filename, 'application/octet-stream'),
  );
  const tail = new TextEncoder().encode(afterFile + closing(boundary));
  const file =
    typeof source === 'string'
      ? await blobFromPath(source)
      : source instanceof Uint8Array
        ? new Blob([source as Uint8Array<ArrayBuffer>])
        : source;

  let body: BodyInit | undefined;
  let bodyFactory: (() => BodyInit) | undefined;
  let length: number | undefined;
  if (file instanceof Blob) {
    // Parts of a Blob stay references: a file-backed Blob is still read lazily from disk.
    const multipart = new Blob([head, file, tail]);
    length = multipart.size;
    if (onProgress) bodyFactory = () => counted(multipart.stream(), head.length, file.size, onProgress);
    else body = multipart;
  } else {
    length = size === undefined ? undefined : head.length + size + tail.length;
    body = concatStreams(head, toStream(file), tail, size, onProgress);
  }

  const result = await resultClientOf(agent).POST('/files/upload', {
    ...call,
    // The body is built here, not by openapi-fetch; the typed fields document what it holds.
    body: { path: destination, file: new Blob([]) },
    bodySerializer: () => body ?? null,
    headers: {
      'Content-Type': contentTypeOf(boundary),
      ...(length !== undefined ? { 'Content-Length': String(length) } : {}),
    },
    ...(body instanceof ReadableStream ? { duplex: 'half' as const } : {}),
    // With progress to report, each attempt gets a fresh counting stream over the same Blob.
    ...(bodyFactory ? { [BODY_FACTORY]: bodyFactory } : {}),
  });
  return dataOf(result, 'POST /files/upload');
}

function basename(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? 'file';
}

function toStream(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  if (source instanceof ReadableStream) return source;
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** The multipart bytes with progress reported for the file part only. */
function counted(
  stream: ReadableStream<Uint8Array>,
  headLength: number,
  total: number,
  onProgress: UploadOptions['onProgress'] & {},
): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        onProgress(Math.min(total, Math.max(0, seen - headLength)), total);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** head, then the file's stream (reporting its progress), then tail: one request body. */
function concatStreams(
  head: Uint8Array,
  middle: ReadableStream<Uint8Array>,
  tail: Uint8Array,
  total: number | undefined,
  onProgress: UploadOptions['onProgress'],
): ReadableStream<Uint8Array> {
  const reader = middle.getReader();
  let stage: 'head' | 'middle' | 'tail' | 'done' = 'head';
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        controller.enqueue(head);
        stage = 'middle';
        return;
      }
      if (stage === 'middle') {
        const { done, value } = await reader.read();
        if (!done) {
          sent += value.byteLength;
          onProgress?.(sent, total);
          controller.enqueue(value);
          return;
        }
        stage = 'tail';
      }
      if (stage === 'tail') {
        controller.enqueue(tail);
        stage = 'done';
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
