// The response body as the caller reads it, watched by the call's idle timer: a stalled body fails
// with HopxTimeoutError instead of hanging (a slow but moving one does not), a connection lost
// mid-body becomes a typed error instead of a bare TypeError, and the clock runs only while someone
// waits for data (time the caller spends on what it already has is not the server's silence).
import { abortedError, HopxConnectionError, type HopxError, HopxTimeoutError } from '../errors.js';
import type { CallContext } from './call-context.js';
import type { IdleTimer } from './idle-timer.js';
import { describeCause, sanitizedCause } from './network-failure.js';

export interface WatchedCall {
  context: CallContext;
  requestId: string;
  timer: IdleTimer;
  /** Aborting it closes the connection (cancelling a body alone does not, in undici). */
  connection: AbortController;
  /**
   * The request the response answers. Held for as long as the body is: undici passes an abort to
   * a request only while the Request object lives, so once garbage collection took it, a caller's
   * signal, close() or the idle timeout would no longer end a body that is waiting for data.
   */
  request: Request;
  secrets: () => readonly string[];
}

export function watchBody(response: Response, call: WatchedCall): Response {
  const { context, requestId, timer, connection } = call;
  timer.stop();
  if (!response.body) return response;
  const reader = response.body.getReader();
  const failure = (cause: unknown): HopxError => {
    if (context.signal?.aborted) return abortedError(context.operation, context.signal, context.operation);
    const init = { operation: context.operation, requestId, status: response.status };
    if (timer.fired)
      return new HopxTimeoutError(`${context.operation}: no data for ${timer.ms} ms while reading the response`, {
        ...init,
        cause,
      });
    return new HopxConnectionError(
      `${context.operation}: connection lost while reading the response (${describeCause(cause, call.secrets())})`,
      {
        ...init,
        cause: sanitizedCause(cause, call.secrets()),
      },
    );
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          timer.restart();
          const { done, value } = await reader.read();
          timer.stop();
          if (done) {
            controller.close();
            return;
          }
          controller.enqueue(value);
        } catch (cause) {
          timer.stop();
          controller.error(failure(cause));
        }
      },
      cancel(reason) {
        void call.request;
        timer.stop();
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
