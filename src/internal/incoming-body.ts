// The response body as the caller reads it, watched by the call's idle timer: a stalled body fails
// with HopxTimeoutError instead of hanging (a slow but moving one does not), a connection lost
// mid-body becomes a typed error instead of a bare TypeError, and the clock runs only while someone
// waits for data (time the caller spends on what it already has is not the server's silence).
// A body the caller reads whole (JSON, text, errors) is read here at once: no stream is wrapped.
import { abortedError, HopxConnectionError, type HopxError, HopxTimeoutError } from '../errors.js';
import type { CallContext } from './call-context.js';
import type { IdleTimer } from './idle-timer.js';
import { describeCause, sanitizedCause } from './network-failure.js';
import { cancelOnAbort } from './unheard-abort.js';

export interface WatchedCall {
  context: CallContext;
  requestId: string;
  timer: IdleTimer;
  /** Aborting it closes the connection (cancelling a body alone does not, in undici). */
  connection: AbortController;
  secrets: () => readonly string[];
  /** Stops following the caller's signal: called once the body is read, fails or is cancelled. */
  release: () => void;
}

/** The body as a stream the caller reads at its pace (downloads, event streams, bytes). */
export function watchBody(response: Response, call: WatchedCall): Response {
  const { timer, connection } = call;
  timer.stop();
  if (!response.body) {
    call.release();
    return response;
  }
  const reader = response.body.getReader();
  const stopWatching = cancelOnAbort(reader, connection.signal);
  const release = () => {
    stopWatching();
    call.release();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          timer.restart();
          const { done, value } = await reader.read();
          timer.stop();
          if (done) {
            if (connection.signal.aborted) throw connection.signal.reason;
            release();
            controller.close();
            return;
          }
          controller.enqueue(value);
        } catch (cause) {
          timer.stop();
          release();
          controller.error(bodyFailure(cause, response, call));
        }
      },
      cancel(reason) {
        timer.stop();
        release();
        connection.abort(reason);
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  const watched = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  Object.defineProperty(watched, 'url', { value: response.url });
  return watched;
}

/**
 * Reads the whole body now, each wait bounded by the idle timer, and returns the same response
 * answering text(), json(), arrayBuffer() and blob() from what was read.
 */
export async function readWholeBody(response: Response, call: WatchedCall): Promise<Response> {
  const { timer, connection } = call;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const stopWatching = cancelOnAbort(reader, connection.signal);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      timer.restart();
      const { done, value } = await reader.read();
      timer.stop();
      if (done && connection.signal.aborted) throw connection.signal.reason;
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (cause) {
    timer.stop();
    throw bodyFailure(cause, response, call);
  } finally {
    stopWatching();
    call.release();
  }
  return alreadyRead(response, chunks.length === 1 && chunks[0] ? chunks[0] : concat(chunks, size));
}

/** The response, its body methods answered from `bytes` (the stream itself was consumed). */
export function alreadyRead(response: Response, bytes: Uint8Array): Response {
  let text: string | undefined;
  const textOf = () => {
    text ??= new TextDecoder().decode(bytes);
    return text;
  };
  Object.defineProperties(response, {
    text: { value: async () => textOf(), configurable: true },
    json: { value: async () => JSON.parse(textOf()), configurable: true },
    arrayBuffer: {
      value: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      configurable: true,
    },
    blob: {
      value: async () =>
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: response.headers.get('content-type') ?? '' }),
      configurable: true,
    },
  });
  return response;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** What a failure while reading the body is, typed: the caller's abort, the idle timeout, or a lost connection. */
export function bodyFailure(cause: unknown, response: Pick<Response, 'status'>, call: WatchedCall): HopxError {
  const { context, requestId, timer } = call;
  if (context.signal?.aborted) return abortedError(context.operation, context.signal, context.operation);
  const init = { operation: context.operation, requestId, status: response.status };
  if (timer.fired)
    return new HopxTimeoutError(`${context.operation}: no data for ${timer.ms} ms while reading the response`, {
      ...init,
      cause,
    });
  return new HopxConnectionError(
    `${context.operation}: connection lost while reading the response (${describeCause(cause, call.secrets())})`,
    { ...init, cause: sanitizedCause(cause, call.secrets()) },
  );
}
