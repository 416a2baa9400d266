// A loopback proxy in front of a HopX Control Plane (the local HopX in the tests) that drifts from
// the spec on purpose, so that the conformance run (`npm run verify`) can be tested against a
// server whose faults are known: it relays everything both ways, agent traffic included (every
// `public_host` it hands out points back at itself), and alters one kind of message, the one a
// `Drift` names, wherever it passes. EXPECTED says where the verifier must report each drift.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { type Duplex, pipeline, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import WebSocket, { WebSocketServer } from 'ws';
import { Router } from '../../src/local/router.js';
import { loadSpec, type SpecOperation, specOperations } from '../../src/local/spec.js';
import { mediaTypeOf } from '../../src/local/spec-validator.js';

export type Drift =
  | 'none'
  /** `GET /v1/sandboxes/{id}` 200: the Sandbox loses `status`, its one required property. */
  | 'missing-required-field'
  /** `GET /v1/sandboxes/{id}` 200: `resources.vcpu` (an integer) becomes a string. */
  | 'wrong-type'
  /** `GET /v1/sandboxes/{id}` 200: `status` is `hibernating`, outside the known values of an open set. */
  | 'unknown-enum-value'
  /** `GET /v1/sandboxes/{id}` 200: `created_at` (format: date-time) is `yesterday`. */
  | 'bad-date-time'
  /** `GET /v1/sandboxes/{id}` 200 becomes a 418 (undocumented there) with an ErrorResponse body. */
  | 'undocumented-status'
  /** `GET /v1/sandboxes/{id}` 200: the JSON body, unchanged, labelled `text/plain`. */
  | 'wrong-content-type'
  /** `GET /v1/sandboxes/{id}` 200: an extra `gpu_count: 0` the Sandbox schema does not declare. */
  | 'undeclared-field'
  /** `GET /v1/sandboxes/stream`: each event's `timestamp` (a date-time string) becomes a number. */
  | 'sse-event-shape'
  /** WebSocket `/execute/stream`: each `result` message loses its required `exit_code`. */
  | 'ws-frame-missing-field';

export interface DriftCase {
  operation: string;
  pointer: string;
}

const SANDBOX = 'GET /v1/sandboxes/{id}';

/**
 * For each drift, where the verifier must report it: the operation key and the JSON pointer, in the
 * format of src/local/spec-validator.ts. The Sandbox drifts all land on `GET /v1/sandboxes/{id}`,
 * which the scenario calls once its sandbox exists; `unknown-enum-value` and `undeclared-field`
 * break no schema (the spec's objects and value sets are open), so their pointer is the value's own.
 */
export const EXPECTED: Record<Exclude<Drift, 'none'>, DriftCase> = Object.freeze({
  // `status` is Sandbox's only required property: reported where it should have been.
  'missing-required-field': { operation: SANDBOX, pointer: '/body/status' },
  'wrong-type': { operation: SANDBOX, pointer: '/body/resources/vcpu' },
  'unknown-enum-value': { operation: SANDBOX, pointer: '/body/status' },
  'bad-date-time': { operation: SANDBOX, pointer: '/body/created_at' },
  'undocumented-status': { operation: SANDBOX, pointer: '/status' },
  'wrong-content-type': { operation: SANDBOX, pointer: '/headers/content-type' },
  'undeclared-field': { operation: SANDBOX, pointer: '/body/gpu_count' },
  'sse-event-shape': { operation: 'GET /v1/sandboxes/stream', pointer: '/data/timestamp' },
  // A `result` without `exit_code`: checked against the result message only (its discriminator).
  'ws-frame-missing-field': { operation: 'WebSocket /execute/stream', pointer: '/exit_code' },
});

export interface DriftingProxy {
  /** The Control Plane, through the proxy: use it as `baseUrl`. */
  url: string;
  close(): Promise<void>;
  /** How many messages were altered. */
  altered(): number;
}

export async function startDriftingProxy(target: string, drift: Drift): Promise<DriftingProxy> {
  const proxy = new DriftingRelay(drift);
  const url = await proxy.listen(new URL(target), 'control-plane');
  return { url, close: () => proxy.close(), altered: () => proxy.alterations };
}

type Side = 'control-plane' | 'agent';

/** A JSON answer on its way back: what a drift may change before it is re-encoded. */
interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: unknown;
}

/** The drifts of a JSON answer (status 200 of EXPECTED's operation); each says whether it changed anything. */
const ANSWER_DRIFTS: Partial<Record<Drift, (answer: Answer) => boolean>> = {
  'missing-required-field': ({ body }) => isRecord(body) && 'status' in body && delete body.status,
  'wrong-type': ({ body }) => {
    const resources = isRecord(body) ? body.resources : undefined;
    if (!isRecord(resources) || typeof resources.vcpu !== 'number') return false;
    resources.vcpu = String(resources.vcpu);
    return true;
  },
  'unknown-enum-value': (answer) => setField(answer.body, 'status', 'hibernating'),
  'bad-date-time': (answer) => setField(answer.body, 'created_at', 'yesterday'),
  'undeclared-field': (answer) => setField(answer.body, 'gpu_count', 0),
  'wrong-content-type': (answer) => {
    answer.headers['content-type'] = 'text/plain; charset=utf-8';
    return true;
  },
  'undocumented-status': (answer) => {
    const requestId = answer.headers['x-request-id'];
    answer.status = 418;
    answer.body = {
      error: `the drifting proxy answers a status ${SANDBOX} does not document`,
      code: 'INTERNAL_ERROR',
      ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
    };
    return true;
  },
};

/**
 * Request headers about one hop, not the request: the proxy's own connection to the target has its
 * own (`expect` too: Node answers 100-continue itself and the body is then already on its way).
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect'];
/** What the `ws` client makes for its own handshake, and Origin (checked here, never passed on). */
const HANDSHAKE = [
  'host',
  'origin',
  'content-length',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  ...HOP_BY_HOP,
];

class DriftingRelay {
  alterations = 0;
  private closed = false;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** How to end each open upstream request or socket, for close(). */
  private readonly upstreams = new Set<() => void>();
  /** Agent origin → the proxy's listener for it, started on first sight. */
  private readonly agents = new Map<string, Promise<string>>();
  private readonly routers: Record<Side, Router>;
  /** The subprotocol the upstream chose, for the client's side of the same handshake. */
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, request) => this.chosenProtocol.get(request) || false,
  });

  constructor(private readonly drift: Drift) {
    const operations = specOperations(loadSpec());
    this.routers = { 'control-plane': new Router(operations, 'control-plane'), agent: new Router(operations, 'agent') };
  }

  /** A listener on 127.0.0.1 that relays to `upstream`'s origin; resolves with its own origin. */
  async listen(upstream: URL, side: Side): Promise<string> {
    let port = 0;
    const server = createServer((req, res) => this.forward(req, res, upstream, side, port));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.relayUpgrade(req, socket, head, upstream, side, port),
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    if (this.closed) {
      server.close();
      throw new Error('the drifting proxy was closed while it started a listener');
    }
    port = (server.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ws of this.wss.clients) ws.terminate();
    for (const end of this.upstreams) end();
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private forward(req: IncomingMessage, res: ServerResponse, upstream: URL, side: Side, port: number): void {
    if (!addressedToUs(req.headers.host, port)) {
      refuseHttp(res, 421, 'this proxy answers only on loopback');
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host, 'accept-encoding': 'identity' };
    for (const name of HOP_BY_HOP) delete headers[name];
    const request = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
    const out = request({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    this.track(out, () => out.destroy());
    // A client that goes away (an aborted upload, a closed event stream) takes its upstream request along.
    res.once('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    out.on('error', (error: NodeJS.ErrnoException) => {
      // A target that cannot be reached is a 502; a connection it dropped is dropped here too.
      if (!res.headersSent && error.code === 'ECONNREFUSED') refuseHttp(res, 502, `the target: ${error.message}`);
      else res.destroy();
    });
    out.on('response', (answer) => {
      this.answer(req, res, answer, side).catch(() => res.destroy());
    });
    req.pipe(out);
  }

  private async answer(req: IncomingMessage, res: ServerResponse, answer: IncomingMessage, side: Side): Promise<void> {
    const operation = this.operationAt(side, req.method ?? 'GET', req.url ?? '/')?.key;
    const driftHere =
      this.drift !== 'none' && operation === EXPECTED[this.drift].operation && answer.statusCode === 200;
    const media = mediaTypeOf(answer.headers['content-type']);
    const headers: OutgoingHttpHeaders = { ...answer.headers };
    for (const name of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[name];
    const bodyless = req.method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
    const json = media === 'application/json' || media?.endsWith('+json');

    if (json && !bodyless && (side === 'control-plane' || (driftHere && ANSWER_DRIFTS[this.drift]))) {
      const raw = await readAll(answer);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        res.writeHead(answer.statusCode ?? 502, headers).end(raw);
        return;
      }
      const reply: Answer = { status: answer.statusCode ?? 502, headers, body };
      let changed = side === 'control-plane' && (await this.rewritePublicHosts(body));
      if (driftHere && ANSWER_DRIFTS[this.drift]?.(reply)) {
        this.alterations++;
        changed = true;
      }
      const bytes = changed ? Buffer.from(JSON.stringify(reply.body)) : raw;
      reply.headers['content-length'] = String(bytes.length);
      res.writeHead(reply.status, reply.headers).end(bytes);
      return;
    }

    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
    // An event stream's headers go out now, not with its first event.
    res.flushHeaders();
    const events = driftHere && this.drift === 'sse-event-shape' && media === 'text/event-stream';
    const done = (error: Error | null) => {
      if (error) res.destroy();
    };
    if (events) pipeline(answer, sseEvents(this.timestampAsNumber), res, done);
    else pipeline(answer, res, done);
  }

  /** sse-event-shape: the event's `timestamp` (a date-time string) becomes Unix seconds, a number. */
  private readonly timestampAsNumber = (data: unknown): boolean => {
    if (!isRecord(data)) return false;
    const parsed = typeof data.timestamp === 'string' ? Date.parse(data.timestamp) : Number.NaN;
    data.timestamp = Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000);
    this.alterations++;
    return true;
  };

  /**
   * Every `public_host` of a Control Plane answer (a sandbox, or each of a list's `data`) becomes
   * this proxy's listener for that agent; `direct_url` and `preview_url` too when they name the same
   * agent, so that a client falling back to them does not leave the proxy either.
   */
  private async rewritePublicHosts(body: unknown): Promise<boolean> {
    const holders = [body, ...(isRecord(body) && Array.isArray(body.data) ? body.data : [])].filter(isRecord);
    let changed = false;
    for (const holder of holders) {
      if (typeof holder.public_host !== 'string') continue;
      const origin = originOf(holder.public_host);
      if (!origin || !holder.public_host.startsWith(origin)) continue;
      const proxied = await this.agentListener(origin);
      for (const key of ['public_host', 'direct_url', 'preview_url']) {
        const value = holder[key];
        if (typeof value === 'string' && value.startsWith(origin)) {
          holder[key] = proxied + value.slice(origin.length);
          changed = true;
        }
      }
    }
    return changed;
  }

  private agentListener(origin: string): Promise<string> {
    let listener = this.agents.get(origin);
    if (!listener) {
      listener = this.listen(new URL(origin), 'agent');
      this.agents.set(origin, listener);
    }
    return listener;
  }

  /**
   * A WebSocket upgrade: the upstream socket is opened first (same path and query, the client's
   * credentials, not its Host or Origin); a refusal is passed back as it came, an acceptance
   * completes the client's handshake, and from then on frames and closes are relayed both ways.
   */
  private relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, upstream: URL, side: Side, port: number) {
    socket.on('error', () => {});
    if (!addressedToUs(req.headers.host, port)) return refuseRaw(socket, 421, 'this proxy answers only on loopback');
    if (!loopbackOrigin(req.headers.origin)) return refuseRaw(socket, 403, 'WebSocket connections from other sites');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && !HANDSHAKE.includes(name))
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const protocols = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const url = new URL(`${upstream.origin}${req.url ?? '/'}`);
    url.protocol = upstream.protocol === 'https:' ? 'wss:' : 'ws:';
    const server = new WebSocket(url, protocols, { headers, perMessageDeflate: false, followRedirects: false });
    this.track(server, () => server.terminate());
    // Until the client's handshake is answered (relayed, refused as the target refused), the raw
    // socket is the proxy's to end; after it, the relay's.
    let answered = false;
    server.on('error', () => {
      if (!answered) socket.destroy();
    });
    socket.once('close', () => {
      if (!answered) server.terminate();
    });
    server.once('unexpected-response', (_request, refusal) => {
      answered = true;
      readAll(refusal)
        .then((body) => {
          const lines = [`HTTP/1.1 ${refusal.statusCode} ${refusal.statusMessage}`];
          for (let i = 0; i < refusal.rawHeaders.length; i += 2) {
            const name = refusal.rawHeaders[i] ?? '';
            if (!['connection', 'transfer-encoding', 'content-length'].includes(name.toLowerCase()))
              lines.push(`${name}: ${refusal.rawHeaders[i + 1]}`);
          }
          lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
          socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
        })
        .catch(() => socket.destroy())
        .finally(() => server.terminate());
    });
    server.once('open', () => {
      if (socket.destroyed) return server.terminate();
      this.chosenProtocol.set(req, server.protocol);
      const operation = this.operationAt(side, 'GET', req.url ?? '/');
      this.wss.handleUpgrade(req, socket, head, (client) => {
        answered = true;
        this.relayFrames(client, server, operation);
      });
    });
  }

  private relayFrames(client: WebSocket, server: WebSocket, operation: SpecOperation | undefined): void {
    const drifts =
      this.drift === 'ws-frame-missing-field' &&
      operation?.websocket === true &&
      `WebSocket ${operation.path}` === EXPECTED['ws-frame-missing-field'].operation;
    client.on('error', () => {});
    server.on('error', () => {});
    server.on('message', (data, isBinary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      const text = !isBinary && drifts ? this.withoutExitCode(data.toString()) : data;
      client.send(text, { binary: isBinary });
    });
    client.on('message', (data, isBinary) => {
      if (server.readyState === WebSocket.OPEN) server.send(data, { binary: isBinary });
    });
    server.on('close', (code, reason) => closeLike(client, code, reason));
    client.on('close', (code, reason) => closeLike(server, code, reason));
  }

  /** ws-frame-missing-field: a `result` message loses its required `exit_code`. */
  private withoutExitCode(text: string): string {
    const message = parseJson(text);
    if (!isRecord(message) || message.type !== 'result' || !('exit_code' in message)) return text;
    delete message.exit_code;
    this.alterations++;
    return JSON.stringify(message);
  }

  /** The spec operation a request is (`GET /v1/sandboxes/{id}`), routed as the local HopX routes it. */
  private operationAt(side: Side, method: string, url: string): SpecOperation | undefined {
    const match = this.routers[side].match(method, new URL(`http://proxy${url}`).pathname);
    return match && 'operation' in match ? match.operation : undefined;
  }

  private track(upstream: { once(event: 'close', listener: () => void): unknown }, end: () => void): void {
    this.upstreams.add(end);
    upstream.once('close', () => this.upstreams.delete(end));
  }
}

/**
 * An event stream, event by event as each arrives (never the whole stream): the JSON `data` of each
 * event goes through `alter`, and an event it changed is written again with one `data` line.
 * Line endings are normalised to `\n`, which Server-Sent Events treat alike.
 */
function sseEvents(alter: (data: unknown) => boolean): Transform {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const rewrite = (block: string): string => {
    const lines = block.split('\n');
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, ''));
    if (data.length === 0) return block;
    const parsed = parseJson(data.join('\n'));
    if (parsed === undefined || !alter(parsed)) return block;
    const others = lines.filter((line) => !line.startsWith('data:'));
    return [...others, `data: ${JSON.stringify(parsed)}`].join('\n');
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending = (pending + decoder.write(chunk)).replace(/\r\n/g, '\n');
      const end = pending.lastIndexOf('\n\n');
      if (end < 0) return done();
      const complete = pending.slice(0, end);
      pending = pending.slice(end + 2);
      done(null, `${complete.split('\n\n').map(rewrite).join('\n\n')}\n\n`);
    },
    flush(done) {
      done(null, pending + decoder.end());
    },
  });
}

/** Passes a close on to the other side: its code and reason when a close frame can carry them. */
function closeLike(ws: WebSocket, code: number, reason: Buffer): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  const sendable =
    (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
  if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  else if (sendable) ws.close(code, reason);
  // 1005: the other side closed without a code, and so does this one; 1006: it vanished.
  else if (code === 1005) ws.close();
  else ws.terminate();
}

/** Only requests addressed to this listener by a loopback name: the proxy is no DNS-rebinding hole. */
function addressedToUs(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function loopbackOrigin(origin: string | undefined): boolean {
  if (!origin) return true;
  const hostname = originOf(origin) && new URL(origin).hostname;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

function refuseHttp(res: ServerResponse, status: number, error: string): void {
  const text = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function refuseRaw(socket: Duplex, status: number, error: string): void {
  const text = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function setField(body: unknown, name: string, value: unknown): boolean {
  if (!isRecord(body)) return false;
  body[name] = value;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
