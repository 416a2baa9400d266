// A tiny HTTP server on 127.0.0.1 whose every answer a test scripts, and which records every request
// it saw (method, URL, headers, body, arrival time). For faults Prism cannot produce: resets, stalls,
// malformed bodies, retry headers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

export type Handler = (
  req: IncomingMessage & { body: Buffer },
  res: ServerResponse,
  seen: SeenRequest[],
) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  seen: SeenRequest[];
  /** Requests for one path (without query). */
  seenAt(path: string): SeenRequest[];
  close(): Promise<void>;
}

export interface RawServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The bare server: the handler gets the request unread (for tests that watch a body arrive as a
 * stream). Binds 127.0.0.1 on a free port; close() drops every open connection.
 */
export async function startRawServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error) => {
      if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server that reads each request's body whole, records it, then lets the handler answer. */
export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const seen: SeenRequest[] = [];
  const raw = await startRawServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
    await handler(Object.assign(req, { body }), res, seen);
  });
  return {
    url: raw.url,
    seen,
    seenAt: (path) => seen.filter((r) => r.url.split('?')[0] === path),
    close: raw.close,
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

export const SANDBOX = {
  id: '1761048129dsaqav4n',
  object: 'sandbox',
  status: 'running',
  created_at: '2025-10-21T12:02:09Z',
} as const;
