// The server the soak streams go to, on 127.0.0.1: the Control Plane's event streams and the
// agent's WebSocket routes, each request or session doing what its stream's plan says (see
// stream-faults.ts). Every event and message it sends is checked against the spec's schemas first,
// so the soak passes only on traffic that openapi.yaml describes. It logs what it did to each event
// stream (which request, which Last-Event-ID, which fault) and to each session (what it sent).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { assertMatchesSchema } from '../support/spec-schemas.js';
import { HEAD_FAULTS, type SocketPlan, type SseArrival, type SsePlan } from './stream-faults.js';

export interface StreamFaultServer {
  url: string;
  /** What the server did to each event stream's requests, by stream index. */
  sseLog: Map<number, SseArrival[]>;
  /** The messages each session was sent, as the client must see them, by stream index. */
  socketLog: Map<number, unknown[]>;
  /** Requests or sessions still open. */
  open(): number;
  close(): Promise<void>;
}

/** `Retry-After` values that all mean "now": seconds, a fraction of one, and a date in the past. */
const SOON = ['0', '0.001', new Date(0).toUTCString()];
const at = '2025-10-21T12:02:11Z';

/** Event `n` (1-based) of stream `plan`: the same object whenever it is sent, and what the client must get. */
export function eventOf(plan: SsePlan, n: number): { id: string; type: string; data: Record<string, unknown> } {
  const id = `${plan.index}-${n}`;
  const sandbox_id = `soak-${plan.index}`;
  if (plan.route === 'sandbox-events') {
    return {
      id,
      type: 'sandbox.status_changed',
      data: {
        id,
        type: 'sandbox.status_changed',
        sandbox_id,
        status: n % 2 ? 'running' : 'paused',
        previous_status: n % 2 ? 'paused' : 'running',
        timestamp: at,
      },
    };
  }
  return {
    id,
    type: 'sandbox.metrics',
    data: {
      id,
      type: 'sandbox.metrics',
      sandbox_id,
      timestamp: at,
      cpu: { usage_percent: n % 100, cores: 2 },
      uptime: n,
    },
  };
}

const schemaOf = { 'sandbox-events': 'SandboxEvent', 'sandbox-metrics': 'SandboxMetricsEvent' } as const;

function eventText(plan: SsePlan, n: number): string {
  const { id, type, data } = eventOf(plan, n);
  assertMatchesSchema(schemaOf[plan.route], data);
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `/v1/sandboxes/soak-12/metrics/stream` or `/v1/sandboxes/stream?region=soak-12` → 12. */
function streamIndexOf(url: string): number | undefined {
  const match = /^\/v1\/sandboxes\/soak-(\d+)\/metrics\/stream(\?|$)/.exec(url) ?? /[?&]region=soak-(\d+)/.exec(url);
  return match ? Number(match[1]) : undefined;
}

export async function startStreamFaultServer(
  ssePlans: ReadonlyMap<number, SsePlan>,
  socketPlans: ReadonlyMap<string, SocketPlan>,
): Promise<StreamFaultServer> {
  const sseLog = new Map<number, SseArrival[]>();
  const socketLog = new Map<number, unknown[]>();
  const sockets = new Set<Socket>();
  let open = 0;

  const http = createServer((req, res) => {
    const index = streamIndexOf(req.url ?? '');
    const plan = index === undefined ? undefined : ssePlans.get(index);
    if (!plan) {
      json(res, 404, { error: `no soak stream at ${req.url}`, code: 'INVALID_REQUEST' });
      return;
    }
    open++;
    res.once('close', () => open--);
    const log = sseLog.get(plan.index) ?? [];
    sseLog.set(plan.index, log);
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' ? Number(header.split('-')[1]) : 0;
    const requestId = String(req.headers['x-request-id'] ?? '');
    if (lastEventId >= plan.total) {
      // The client has every event: nothing more for it (the stream ends).
      log.push({ requestId, lastEventId, fault: '204' });
      res.writeHead(204).end();
      return;
    }
    const step = plan.arrivals[log.filter((arrival) => arrival.fault !== '204').length] ?? {
      fault: 'ok',
      events: 0,
      replays: 0,
      retry: undefined,
    };
    log.push({ requestId, lastEventId, fault: step.fault });
    const soon = SOON[log.length % SOON.length]!;
    if (HEAD_FAULTS.has(step.fault)) {
      if (step.fault === '429') json(res, 429, { error: 'Rate limit exceeded', code: 'RATE_LIMITED' }, soon);
      else if (step.fault === '503')
        json(res, 503, { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' }, soon);
      else if (step.fault === 'reset-head') req.socket.resetAndDestroy();
      // stall-head: no answer; the client's idle timeout closes the connection.
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let text = step.retry === undefined ? '' : `retry: ${step.retry}\n\n`;
    // Events the client already has first (it must drop them), then new ones, a heartbeat among them.
    for (let n = Math.max(1, lastEventId - step.replays + 1); n <= lastEventId; n++) text += eventText(plan, n);
    const until = step.fault === 'ok' ? plan.total : Math.min(plan.total, lastEventId + step.events);
    for (let n = lastEventId + 1; n <= until; n++) {
      text += eventText(plan, n);
      if (n % 4 === 0) text += ': heartbeat\n\n';
    }
    switch (step.fault) {
      case 'ok':
      case 'end':
        res.end(text);
        return;
      case 'drop': {
        // Half of the next event (or of a heartbeat), then FIN: everything before it arrives.
        const next = until < plan.total ? eventText(plan, until + 1) : ': heartbeat\n\n';
        res.write(text + next.slice(0, next.length >> 1), () => req.socket.destroy());
        return;
      }
      case 'reset-body':
        res.write(text, () => req.socket.resetAndDestroy());
        return;
      case 'stall-body':
        // Then nothing: the client's idle timeout closes the connection.
        res.write(text);
        return;
      case 'malformed':
        // Then the client gives up on the stream and closes the connection.
        res.write(`${text}id: ${plan.index}-${until + 1}\nevent: sandbox.metrics\ndata: {"type": sandbox.metrics\n\n`);
        return;
    }
  });
  // Idle connections stay until the test closes the server: a keep-alive timeout firing just as the
  // client reuses the connection would fail a request that no plan accounts for.
  http.keepAliveTimeout = 120_000;
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const plan = socketPlans.get(token);
    if (!plan || plan.route !== req.url) {
      refuseUpgrade(socket, 404, { error: `no soak session at ${req.url}`, code: 'INVALID_REQUEST' });
      return;
    }
    socketLog.set(plan.index, []);
    if (plan.fault === 'refuse-503' || plan.fault === 'refuse-429') {
      const status = plan.fault === 'refuse-503' ? 503 : 429;
      refuseUpgrade(
        socket,
        status,
        status === 503
          ? { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' }
          : { error: 'Rate limit exceeded', code: 'RATE_LIMITED' },
      );
      return;
    }
    open++;
    socket.once('close', () => open--);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('message', () => {
        runSession(ws, plan, socketLog.get(plan.index)!).catch((error: unknown) => {
          console.error(error);
          ws.terminate();
        });
      });
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sseLog,
    socketLog,
    open: () => open,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        for (const socket of sockets) socket.destroy();
        wss.close();
        http.close(() => resolve());
      }),
  };
}

const serverSchemaOf = { '/execute/stream': 'ExecuteStreamServerMessage', '/terminal': 'TerminalServerMessage' };

/** Sends the session's messages, then its ending; `sent` gets each message the client must see. */
async function runSession(ws: WebSocket, plan: SocketPlan, sent: unknown[]): Promise<void> {
  const frame = (text: string) =>
    new Promise<void>((resolve, reject) => ws.send(text, (error) => (error ? reject(error) : resolve())));
  const message = (value: unknown) => {
    assertMatchesSchema(serverSchemaOf[plan.route], value);
    sent.push(value);
    return frame(JSON.stringify(value));
  };
  const execute = plan.route === '/execute/stream';
  for (let n = 1; n <= plan.messages; n++) {
    if (plan.keepalives && n % 3 === 0) await frame('');
    await message(
      execute
        ? { type: n % 5 === 0 ? 'stderr' : 'stdout', data: `line ${n}\n` }
        : { type: 'output', data: `$ ${n}\r\n` },
    );
  }
  switch (plan.fault) {
    case 'ok':
      if (execute) {
        await message({ type: 'result', exit_code: 0, execution_time: 0.01 });
        await message({ type: 'complete', success: true });
      } else await message({ type: 'exit', code: plan.index % 3 });
      return;
    case 'drop':
      // Every frame above is on the wire (its send completed): the client reads them, then the FIN.
      ws.terminate();
      return;
    case 'close-1011':
      ws.close(1011, 'agent failure');
      return;
    case 'not-json':
      await frame('{"type": "stdout", "data": ');
      return;
    case 'not-a-message':
      await frame('["stdout", "line"]');
      return;
    case 'error-message': {
      const error = { type: 'error', error: 'the interpreter crashed', code: 'EXECUTION_FAILED' };
      assertMatchesSchema(serverSchemaOf[plan.route], error);
      await frame(JSON.stringify(error));
      return;
    }
    case 'stall':
      // Nothing more: the client's idle timeout ends the session.
      return;
  }
}

function refuseUpgrade(socket: Socket, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : status === 429 ? 'Too Many Requests' : 'Not Found'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nretry-after: 0\r\nconnection: close\r\n\r\n${text}`,
  );
}

function json(res: ServerResponse, status: number, body: unknown, retryAfter?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
  });
  res.end(text);
}
