// Prepares one attempt's request body for the wire so that the timeout can see it move.
//
// fetch says nothing while it sends a body, so a timer started before fetch would cap the whole
// upload instead of each pause in it. A large body is therefore sent as a stream that we feed
// chunk by chunk: every chunk fetch takes is progress, and the timer restarts. Small bodies go out
// as they are (sending them takes no noticeable time). Browsers only stream request bodies over
// HTTP/2, so there large bodies go out as they are too, and the timeout covers the whole upload.
import { encodeFormData } from './multipart.js';

/** Bodies up to this many bytes are sent as they are. */
export const SMALL_BODY_BYTES = 64 * 1024;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** What the body's progress tells the timer. */
export interface BodyProgress {
  /** We are reading our own source (a file, the caller's stream): not the server's silence. */
  readingSource(): void;
  /** A chunk was handed to fetch: the clock runs until fetch asks for the next one. */
  handedOver(): void;
  /** Every byte was handed over: from now on we wait for the response. */
  finished(): void;
}

export interface WireBody {
  body: BodyInit | null;
  /** Sent as a stream fed by us (fetch then needs `duplex: 'half'`). */
  streamed: boolean;
}

/** The body to send for one attempt; may set `content-type`/`content-length` on `headers`. */
export function wireBody(body: BodyInit | null | undefined, headers: Headers, progress: BodyProgress): WireBody {
  if (body === null || body === undefined) return { body: null, streamed: false };
  if (body instanceof FormData) {
    const encoded = encodeFormData(body);
    headers.set('content-type', encoded.contentType);
    return wireBody(encoded.blob, headers, progress);
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return wireBody(body.toString(), headers, progress);
  }
  if (!isNode) return { body, streamed: false };
  if (typeof body === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: most strings need no encoding to be judged small.
    if (body.length * 3 <= SMALL_BODY_BYTES) return { body, streamed: false };
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return wireBody(new Blob([body]), headers, progress);
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    if (body.byteLength <= SMALL_BODY_BYTES) return { body, streamed: false };
    const bytes =
      body instanceof ArrayBuffer
        ? new Uint8Array(body)
        : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return wireBody(new Blob([bytes as Uint8Array<ArrayBuffer>]), headers, progress);
  }
  if (body instanceof Blob) {
    if (body.size <= SMALL_BODY_BYTES) return { body, streamed: false };
    if (body.type && !headers.has('content-type')) headers.set('content-type', body.type);
    headers.set('content-length', String(body.size));
    return { body: withProgress(body.stream(), progress), streamed: true };
  }
  if (body instanceof ReadableStream)
    return { body: withProgress(body as ReadableStream<Uint8Array>, progress), streamed: true };
  // Anything else (an async iterable handed to a custom fetch): fetch knows what to do with it.
  return { body, streamed: false };
}

/**
 * `source`, re-emitted in slices of at most SMALL_BODY_BYTES (an in-memory Blob streams as one
 * chunk, which fetch would hand to the socket whole), reporting each handover to `progress`.
 */
function withProgress(source: ReadableStream<Uint8Array>, progress: BodyProgress): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let pending: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!pending?.byteLength) {
          progress.readingSource();
          const { done, value } = await reader.read();
          if (done) {
            progress.finished();
            controller.close();
            return;
          }
          pending = value;
        }
        controller.enqueue(pending.subarray(0, SMALL_BODY_BYTES));
        pending = pending.subarray(SMALL_BODY_BYTES);
        progress.handedOver();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
