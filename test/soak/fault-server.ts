// The server the soak calls go to: it reads each request whole, records it (who sent it, under which
// X-Request-ID, with which fault), then does what the request's `x-soak-fault` header says: answer,
// reset, hang up, refuse with 429 or 503, stall, or cut the body short.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Fault } from './call-faults.js';

export interface Arrival {
  call: number;
  requestId: string;
  /** What the client's script asked for ('unplanned' when the attempt was beyond its plan). */
  fault: Fault | 'unplanned';
  /** `POST /execute`: method and URL path, as the server saw them. */
  operation: string;
}

export interface FaultServer {
  url: string;
  arrivals: Arrival[];
  /** Requests read whose response has neither finished nor lost its connection. */
  inFlight(): number;
  close(): Promise<void>;
}

/** `Retry-After` values that all mean "now": seconds, a fraction of one, and a date in the past. */
const SOON = ['0', '0.002', new Date(0).toUTCString()];

export async function startFaultServer(): Promise<FaultServer> {
  const arrivals: Arrival[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const server = createServer(async (req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    for await (const _chunk of req) {
      // read the request whole before deciding: the fault comes after it was sent
    }
    const call = Number(req.headers['x-soak-call']);
    const requestId = String(req.headers['x-request-id'] ?? '');
    const fault = String(req.headers['x-soak-fault']) as Arrival['fault'];
    const operation = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    arrivals.push({ call, requestId, fault, operation });
    act(fault, req, res, call, requestId, arrivals.length);
  });
  // Idle connections stay until the test closes the server: a keep-alive timeout firing just as the
  // client reuses the connection would lose an attempt that no plan accounts for.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    inFlight: () => inFlight,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function act(
  fault: Arrival['fault'],
  req: IncomingMessage,
  res: ServerResponse,
  call: number,
  requestId: string,
  nth: number,
): void {
  const soon = SOON[nth % SOON.length]!;
  switch (fault) {
    case 'ok':
      json(res, 200, { soak_call: call, object: 'soak' }, requestId);
      return;
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'hangup':
      req.socket.destroy();
      return;
    case '429':
      json(res, 429, { error: 'Rate limit exceeded', code: 'RATE_LIMITED' }, requestId, { 'retry-after': soon });
      return;
    case '429-backoff':
      json(res, 429, { error: 'Rate limit exceeded', code: 'RATE_LIMITED' }, requestId);
      return;
    case '503':
      json(res, 503, { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' }, requestId, {
        'retry-after': soon,
      });
      return;
    case '503-backoff':
      json(res, 503, { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' }, requestId);
      return;
    case 'stall':
      // No answer: the client's timeout aborts the attempt, which closes the connection.
      return;
    case 'cut':
    case 'stall-body': {
      const text = JSON.stringify({ soak_call: call, object: 'soak', padding: 'x'.repeat(200) });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
        'x-request-id': requestId,
      });
      // Close only once the head and half the body are on the wire, so the client sees both.
      res.write(text.slice(0, text.length >> 1), () => {
        if (fault === 'cut') req.socket.destroy();
      });
      return;
    }
    default:
      // An attempt the plan did not expect: answer it (the test reports it) rather than hang.
      json(res, 500, { error: `unplanned attempt of call ${call}`, code: 'INTERNAL_ERROR' }, requestId);
      return;
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-request-id': requestId,
    ...headers,
  });
  res.end(text);
}
