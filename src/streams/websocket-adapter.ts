// One small interface over the two WebSocket implementations we run on: `ws` in Node (the only one
// that can send the `Authorization` header the agent requires on the upgrade), and the global
// `WebSocket` elsewhere. A browser cannot set upgrade headers at all, so there the client connects
// without the token: that only works through a proxy of yours that adds it (see the README).
import { apiErrorFrom, HopxConnectionError, type HopxError, HopxTimeoutError } from '../errors.js';
import { normalizeErrorBody } from '../internal/error-body.js';

export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
  /** A failure before or after opening; the socket is unusable afterwards. */
  error(error: HopxError): void;
  pong(): void;
}

export interface RawSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  /** Sends a protocol ping (Node only; browsers cannot). */
  ping?(): void;
  /** Stops reading from the network until resume() (Node only): backpressure for a fast server. */
  pause?(): void;
  resume?(): void;
}

export interface SocketTarget {
  url: string;
  headers: Record<string, string>;
  operation: string;
  handshakeTimeoutMs: number;
  secrets: readonly string[];
}

/** How long the server gets to answer our close frame before the connection is dropped. */
const CLOSE_HANDSHAKE_MS = 1_000;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

export async function openRawSocket(target: SocketTarget, handlers: SocketHandlers): Promise<RawSocket> {
  return isNode ? openNodeSocket(target, handlers) : openWebSocket(target, handlers);
}

async function openNodeSocket(target: SocketTarget, handlers: SocketHandlers): Promise<RawSocket> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(target.url, {
    headers: target.headers,
    handshakeTimeout: target.handshakeTimeoutMs,
    perMessageDeflate: false,
  });
  ws.on('open', () => handlers.open());
  ws.on('message', (data, isBinary) =>
    handlers.message(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString()),
  );
  ws.on('pong', () => handlers.pong());
  ws.on('close', (code, reason) => handlers.close(code, reason.toString()));
  ws.on('error', (cause) => {
    const timedOut = /handshake has timed out/i.test(cause.message);
    const Class = timedOut ? HopxTimeoutError : HopxConnectionError;
    handlers.error(
      new Class(
        `${target.operation}: ${timedOut ? `no upgrade within ${target.handshakeTimeoutMs} ms` : cause.message}`,
        { operation: target.operation, cause },
      ),
    );
  });
  // A refused upgrade (401, 404, ...) is an HTTP answer: report it like any other API error.
  ws.on('unexpected-response', (request, response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      const status = response.statusCode ?? 0;
      const body = normalizeErrorBody(
        Buffer.concat(chunks).toString('utf8'),
        status,
        response.statusMessage ?? '',
        target.secrets,
      );
      handlers.error(
        apiErrorFrom({
          status,
          body,
          operation: target.operation,
          requestId: header(response.headers['x-request-id']),
        }),
      );
      request.destroy();
    });
    response.on('error', () => {});
  });
  let closedOrTerminated = false;
  ws.once('close', () => {
    closedOrTerminated = true;
  });
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => {
      if (closedOrTerminated) return;
      // A paused socket would never read the server's half of the closing handshake (ws then
      // waits 30 s): read again, and give the server a second before dropping the connection.
      ws.resume();
      ws.close(code, reason);
      const giveUp = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS);
      ws.once('close', () => clearTimeout(giveUp));
    },
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
}

function openWebSocket(target: SocketTarget, handlers: SocketHandlers): RawSocket {
  const ws = new globalThis.WebSocket(target.url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (event) => handlers.message(typeof event.data === 'string' ? event.data : String(event.data));
  ws.onclose = (event) => handlers.close(event.code, event.reason);
  // Browsers hide the reason on purpose (a refused upgrade looks like any network failure).
  ws.onerror = () =>
    handlers.error(
      new HopxConnectionError(
        `${target.operation}: the WebSocket failed (the browser gives no detail; a refused upgrade such as 401 looks the same)`,
        { operation: target.operation },
      ),
    );
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.close(),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
