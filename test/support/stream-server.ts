// A local stand-in for the platform's streams (Prism serves neither SSE nor WebSocket): event streams
// over HTTP and the agent's WebSocket routes over `ws`, on 127.0.0.1. Every event and frame it sends,
// and every message it receives, is checked against the spec's component schemas, so the tests can
// only pass on traffic that openapi.yaml describes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { assertMatchesSchema, eventSchemas, socketSchemas } from './spec-schemas.js';

const templatePaths = [...Object.keys(eventSchemas), ...Object.keys(socketSchemas)];

/** `/v1/sandboxes/abc/metrics/stream` → `/v1/sandboxes/{id}/metrics/stream`. */
export function specPathOf(url: string): string | undefined {
  const path = url.split('?')[0]!;
  return templatePaths.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

export interface EventToSend {
  id?: string;
  event?: string;
  data: unknown;
}

export interface SseContext {
  path: string;
  req: IncomingMessage;
  res: ServerResponse;
  lastEventId: string | undefined;
  /** Writes one event after checking its data against the route's schema. False: wait for 'drain'. */
  send(event: EventToSend): boolean;
  /** Serialises many events into one write (for floods), each checked. */
  sendMany(events: EventToSend[]): boolean;
  retry(ms: number): void;
  comment(text: string): void;
  /** Writes bytes as they are, unchecked: for malformed input. */
  raw(text: string): void;
  end(): void;
  /** Kills the TCP connection mid-stream. */
  drop(): void;
}

export interface SocketContext {
  path: string;
  req: IncomingMessage;
  ws: WebSocket;
  /** Client messages received so far (each checked against the route's client schema). */
  received: unknown[];
  /** Resolves with the next client message. */
  nextMessage(): Promise<any>;
  /** Sends one server message after checking it against the route's server schema. */
  send(message: unknown): void;
  /** Sends a text frame as it is, unchecked: for malformed frames and keepalives. */
  raw(text: string): void;
}

export interface StreamHandlers {
  sse?: (ctx: SseContext) => void | Promise<void>;
  socket?: (ctx: SocketContext) => void | Promise<void>;
  /** Decide on a WebSocket upgrade: return a status to refuse it. Default: accept a Bearer token. */
  upgrade?: (req: IncomingMessage) => number | undefined;
}

export interface StreamServer {
  url: string;
  /**
   * Connections that carried a stream (an SSE request or a WebSocket upgrade) and are still open.
   * (Spare idle connections that undici's pool opens on its own, and closes after a few seconds,
   * are not the client's doing and are not counted.)
   */
  openConnections(): number;
  /** Every request (SSE) or upgrade (WebSocket) seen, with its headers. */
  requests: { path: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export function eventText({ id, event, data }: EventToSend): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

export async function startStreamServer(handlers: StreamHandlers): Promise<StreamServer> {
  const sockets = new Set<Socket>();
  const streamSockets = new Set<Socket>();
  const track = (socket: Socket) => {
    if (streamSockets.has(socket)) return;
    streamSockets.add(socket);
    socket.once('close', () => streamSockets.delete(socket));
  };
  const requests: StreamServer['requests'] = [];
  const http = createServer(async (req, res) => {
    const path = specPathOf(req.url ?? '');
    requests.push({ path: path ?? req.url ?? '', headers: req.headers });
    track(req.socket);
    if (!path || !eventSchemas[path] || !handlers.sse) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `no stream at ${req.url}`, code: 'INVALID_REQUEST' }));
      return;
    }
    const schema = eventSchemas[path]!;
    // Node keeps a half-closed socket open while the response is unfinished (as an SSE response
    // always is): close it when the client goes, so openConnections() shows what the client did.
    req.socket.once('end', () => req.socket.destroy());
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const ctx: SseContext = {
      path,
      req,
      res,
      lastEventId: req.headers['last-event-id'] as string | undefined,
      send: (event) => {
        assertMatchesSchema(schema, event.data);
        return res.write(eventText(event));
      },
      sendMany: (events) => {
        let text = '';
        for (const event of events) {
          assertMatchesSchema(schema, event.data);
          text += eventText(event);
        }
        return res.write(text);
      },
      retry: (ms) => res.write(`retry: ${ms}\n\n`),
      comment: (text) => res.write(`: ${text}\n\n`),
      raw: (text) => res.write(text),
      end: () => res.end(),
      drop: () => req.socket.destroy(),
    };
    try {
      await handlers.sse(ctx);
    } catch (error) {
      // A handler that breaks the schema must fail the test, not just the stream.
      console.error(error);
      req.socket.destroy();
      throw error;
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    track(socket as Socket);
    const path = specPathOf(req.url ?? '');
    requests.push({ path: path ?? req.url ?? '', headers: req.headers });
    const refused =
      !path || !socketSchemas[path]
        ? 404
        : handlers.upgrade
          ? handlers.upgrade(req)
          : /^Bearer \S+$/.test(req.headers.authorization ?? '')
            ? undefined
            : 401;
    if (refused) {
      const body = JSON.stringify({
        error: refused === 404 ? `no WebSocket route at ${req.url}` : 'Sandbox token has expired',
        code: refused === 404 ? 'INVALID_REQUEST' : 'TOKEN_EXPIRED',
      });
      socket.end(
        `HTTP/1.1 ${refused} ${refused === 404 ? 'Not Found' : 'Unauthorized'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const { client, server } = socketSchemas[path!]!;
      const received: unknown[] = [];
      const waiting: ((message: unknown) => void)[] = [];
      let consumed = 0;
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString());
        assertMatchesSchema(client, message);
        received.push(message);
        const waiter = waiting.shift();
        if (waiter) {
          consumed++;
          waiter(message);
        }
      });
      const ctx: SocketContext = {
        path: path!,
        req,
        ws,
        received,
        nextMessage: () =>
          new Promise((resolve) => {
            if (consumed < received.length) resolve(received[consumed++]);
            else waiting.push(resolve);
          }),
        send: (message) => {
          assertMatchesSchema(server, message);
          ws.send(JSON.stringify(message));
        },
        raw: (text) => ws.send(text),
      };
      Promise.resolve(handlers.socket?.(ctx)).catch((error) => {
        console.error(error);
        ws.terminate();
      });
    });
  });

  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openConnections: () => streamSockets.size,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        for (const socket of sockets) socket.destroy();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
