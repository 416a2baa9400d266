// Server-Sent Event streams when the connection or the server misbehaves: drops and clean ends are
// resumed with Last-Event-ID after the server's `retry:` delay without losing or repeating an event,
// reconnects are bounded, stalls time out, aborting and leaving early close the connection, malformed
// input and HTTP errors become typed errors, and a shared AbortSignal keeps no listener.
// (The polling fallback of followBuildLogs is in build-logs-polling.test.ts.)
import { getEventListeners } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  type BuildLogEvent,
  createControlPlaneClient,
  type EventStreamOptions,
  followBuildLogs,
  HopxAbortError,
  HopxConnectionError,
  HopxResponseFormatError,
  HopxTimeoutError,
  InternalServerError,
  NotFoundError,
  openEventStream,
  type SandboxEvent,
  type ServerSentEvent,
  streamSandboxEvents,
  streamSandboxMetrics,
  streamTemplateEvents,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';
import { assertMatchesSchema } from '../support/spec-schemas.js';
import {
  type EventToSend,
  eventText,
  type SseContext,
  type StreamServer,
  startStreamServer,
} from '../support/stream-server.js';
import { until } from '../support/until.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';

let server: StreamServer | undefined;
let scripted: ScriptedServer | undefined;
const timers = new Set<ReturnType<typeof setInterval>>();
/** Server-side sockets of the event-stream requests the current test's server received. */
let streamSockets: Socket[] = [];
afterEach(async () => {
  streamSockets = [];
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  await server?.close();
  await scripted?.close();
  server = undefined;
  scripted = undefined;
});

/**
 * The stream server, recording the socket of every event-stream request. Whether those sockets
 * closed is what "the stream closed its connection" means: after a request is cancelled or aborted,
 * Node 20's undici (6.24) opens one spare idle connection that carries no request and closes itself
 * about 3 s later, so `openConnections()` reaches 0 only then (checked once, below).
 */
async function startSse(handlers: { sse(ctx: SseContext): void | Promise<void> }): Promise<StreamServer> {
  return startStreamServer({
    sse: (ctx) => {
      streamSockets.push(ctx.req.socket);
      return handlers.sse(ctx);
    },
  });
}
const streamConnectionsClosed = () => streamSockets.length > 0 && streamSockets.every((socket) => socket.destroyed);

/** A repeating server-side timer that afterEach is sure to clear. */
function every(ms: number, tick: () => void): ReturnType<typeof setInterval> {
  const timer = setInterval(tick, ms);
  timers.add(timer);
  return timer;
}

/**
 * A fetch that notes when the client has read a response body to its end. The reads are passed on
 * one at a time (highWaterMark 0), so once `ended()` is true, and a macrotask later, the stream has
 * seen the end of the connection and is waiting to reconnect.
 */
function endTrackingFetch() {
  let ended = 0;
  const trackingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            ended++;
            controller.close();
          } else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { fetch: trackingFetch, ended: () => ended };
}

const client = (baseUrl: string, maxRetries?: number) => createControlPlaneClient({ apiKey, baseUrl, maxRetries });

interface Route {
  name: string;
  /** The operation named in errors. */
  operation: string;
  /** A URL path of the route, for the scripted server. */
  path: string;
  /** The route's path in the spec (what the stream server reports as `ctx.path`). */
  specPath: string;
  /** The n-th event of the route (1-based); `last` marks the end of a build. */
  event(n: number, last?: boolean): EventToSend;
  open(baseUrl: string, options: EventStreamOptions, maxRetries?: number): AsyncIterable<unknown>;
  /** The SSE id an item of the iteration was sent with. */
  key(item: unknown): string;
}

/** Key of a typed event: its SSE id, which the payload's own id must match. */
const sseKey = (item: unknown) => {
  const event = item as ServerSentEvent<{ id: string }>;
  return event.id === event.data.id ? event.id! : `${event.id} != data.id ${event.data.id}`;
};

const sandboxEvents: Route = {
  name: 'streamSandboxEvents',
  operation: 'GET /v1/sandboxes/stream',
  path: '/v1/sandboxes/stream',
  specPath: '/v1/sandboxes/stream',
  event: (n) => ({
    id: `s${n}`,
    event: 'sandbox.status_changed',
    data: {
      id: `s${n}`,
      type: 'sandbox.status_changed',
      sandbox_id: sandboxId,
      status: n % 2 ? 'running' : 'paused',
      previous_status: n % 2 ? 'paused' : 'running',
      timestamp: at,
    },
  }),
  open: (url, options, maxRetries) => streamSandboxEvents(client(url, maxRetries), options),
  key: sseKey,
};

const sandboxMetrics: Route = {
  name: 'streamSandboxMetrics',
  operation: 'GET /v1/sandboxes/{id}/metrics/stream',
  path: `/v1/sandboxes/${sandboxId}/metrics/stream`,
  specPath: '/v1/sandboxes/{id}/metrics/stream',
  event: (n) => ({
    id: `m${n}`,
    event: 'sandbox.metrics',
    data: {
      id: `m${n}`,
      type: 'sandbox.metrics',
      sandbox_id: sandboxId,
      timestamp: at,
      cpu: { usage_percent: n, cores: 2 },
    },
  }),
  open: (url, options, maxRetries) =>
    streamSandboxMetrics(client(url, maxRetries), sandboxId, { ...options, interval: 1 }),
  key: sseKey,
};

const templateEvents: Route = {
  name: 'streamTemplateEvents',
  operation: 'GET /v1/templates/stream',
  path: '/v1/templates/stream',
  specPath: '/v1/templates/stream',
  event: (n) => ({
    id: `t${n}`,
    event: 'template.updated',
    data: { id: `t${n}`, type: 'template.updated', template_id: '318', timestamp: at },
  }),
  open: (url, options, maxRetries) => streamTemplateEvents(client(url, maxRetries), options),
  key: sseKey,
};

const buildLogs: Route = {
  name: 'followBuildLogs',
  operation: 'GET /v1/templates/build/{buildID}/logs',
  path: '/v1/templates/build/1187/logs',
  specPath: '/v1/templates/build/{buildID}/logs',
  event: (n, last = false) => ({
    id: `1187-${n}`,
    event: 'log',
    data: {
      offset: n,
      message: `Step ${n}: RUN make ${n}`,
      level: 'INFO',
      status: last ? 'active' : 'building',
      complete: last,
      timestamp: at,
    },
  }),
  open: (url, options, maxRetries) => followBuildLogs(client(url, maxRetries), '1187', options),
  key: (item) => `1187-${(item as BuildLogEvent).offset}`,
};

const controlPlaneStreams = [sandboxEvents, sandboxMetrics, templateEvents];
const allStreams = [...controlPlaneStreams, buildLogs];

const routeAt = (specPath: string) => allStreams.find((route) => route.specPath === specPath)!;
const ids = (route: Route, ...ns: number[]) => ns.map((n) => route.event(n).id!);

/** Iterates, pushing each item's key into `seen`, until `limit` items, the end, or an error. */
async function drain(
  iterable: AsyncIterable<unknown>,
  key: (item: unknown) => string,
  limit = Infinity,
  seen: string[] = [],
) {
  try {
    for await (const item of iterable) {
      seen.push(key(item));
      if (seen.length >= limit) break;
    }
    return { seen, error: undefined as unknown };
  } catch (error) {
    return { seen, error };
  }
}

const lastEventIdHeaders = () => server!.requests.map((r) => r.headers['last-event-id']);

describe('a dropped connection is resumed', () => {
  it.each(allStreams)(
    '$name: reconnects after retry:, sends Last-Event-ID, drops the replayed events',
    async (route) => {
      const RETRY_MS = 80;
      const seen: string[] = [];
      const arrivals: number[] = [];
      let droppedAt = Number.NaN;
      server = await startSse({
        async sse(ctx) {
          arrivals.push(performance.now());
          if (arrivals.length === 1) {
            ctx.retry(RETRY_MS);
            ctx.sendMany([1, 2, 3].map((n) => route.event(n)));
            await until(() => seen.length === 3, 5000, 'the client to deliver three events');
            droppedAt = performance.now();
            ctx.drop();
          } else {
            // Resumes "from" the id rather than after it, and one more: events 2 and 3 come again.
            ctx.sendMany([2, 3, 4].map((n) => route.event(n)));
            ctx.send(route.event(5, true));
          }
        },
      });
      // A client default far below the server's retry: only honouring `retry:` makes the gap long enough.
      const stream = route.open(server.url, { reconnectDelay: 5, idleTimeout: 5000 });
      const { error } = await drain(stream, route.key, 5, seen);

      expect(error).toBeUndefined();
      expect(seen).toEqual(ids(route, 1, 2, 3, 4, 5));
      expect(lastEventIdHeaders()).toEqual([undefined, route.event(3).id]);
      expect(arrivals[1]! - droppedAt).toBeGreaterThanOrEqual(RETRY_MS - 1);
      if ('lastEventId' in stream) expect(stream.lastEventId).toBe(route.event(5).id);
      await until(streamConnectionsClosed, 2000, 'the connection to close');
    },
  );

  it('several drops in a row, each answered by replaying the whole history: every event exactly once, in order', async () => {
    const seen: string[] = [];
    const arrivals: number[] = [];
    const drops: number[] = [];
    server = await startSse({
      async sse(ctx) {
        arrivals.push(performance.now());
        const upTo = arrivals.length * 2;
        ctx.retry(30);
        // This server ignores Last-Event-ID and sends everything from the start every time.
        ctx.sendMany(Array.from({ length: upTo }, (_, i) => sandboxEvents.event(i + 1)));
        if (arrivals.length < 3) {
          await until(() => seen.length === upTo, 5000, `the client to deliver ${upTo} events`);
          drops.push(performance.now());
          ctx.drop();
        }
      },
    });
    const stream = streamSandboxEvents(client(server.url), { reconnectDelay: 1, maxReconnects: 1 });
    const { error } = await drain(stream, sandboxEvents.key, 6, seen);

    expect(error).toBeUndefined();
    expect(seen).toEqual(ids(sandboxEvents, 1, 2, 3, 4, 5, 6));
    expect(lastEventIdHeaders()).toEqual([undefined, 's2', 's4']);
    expect(arrivals[1]! - drops[0]!).toBeGreaterThanOrEqual(29);
    expect(arrivals[2]! - drops[1]!).toBeGreaterThanOrEqual(29);
    expect(stream.lastEventId).toBe('s6');
  });

  it('lastEventId resumes a new stream where an old one stopped', async () => {
    server = await startSse({
      sse(ctx) {
        const after = ctx.lastEventId === undefined ? 0 : Number(ctx.lastEventId.slice(1));
        ctx.sendMany([after + 1, after + 2].map((n) => sandboxEvents.event(n)));
      },
    });
    const first = streamSandboxEvents(client(server.url));
    expect((await drain(first, sandboxEvents.key, 2)).seen).toEqual(['s1', 's2']);
    const second = streamSandboxEvents(client(server.url), { lastEventId: first.lastEventId });
    expect((await drain(second, sandboxEvents.key, 2)).seen).toEqual(['s3', 's4']);
    expect(lastEventIdHeaders()).toEqual([undefined, 's2']);
  });

  it('openEventStream with its own connect: drop, resume, then ends on the event isLast marks', async () => {
    const seen: string[] = [];
    server = await startSse({
      async sse(ctx) {
        if (ctx.lastEventId === undefined) {
          ctx.retry(20);
          ctx.sendMany([sandboxEvents.event(1), sandboxEvents.event(2)]);
          await until(() => seen.length === 2, 5000, 'two events');
          ctx.drop();
        } else {
          ctx.sendMany([2, 3, 4].map((n) => sandboxEvents.event(n)));
          // The connection stays open: only isLast ends the stream.
        }
      },
    });
    const cp = client(server.url);
    const connect: Parameters<typeof openEventStream>[1] = async (lastEventId, signal, timeout) => {
      const { data, response } = await cp.GET('/v1/sandboxes/stream', {
        params: { header: { 'Last-Event-ID': lastEventId } },
        headers: { Accept: 'text/event-stream' },
        parseAs: 'stream',
        signal,
        timeout,
      });
      if (!data || !response.ok) throw new Error(`unexpected ${response.status}`);
      return data;
    };
    const stream = openEventStream<SandboxEvent>(
      'sandbox feed',
      connect,
      { reconnectDelay: 1000 },
      (event) => event.id === 's3',
    );
    const { error } = await drain(stream, sandboxEvents.key, Infinity, seen);

    expect(error).toBeUndefined();
    expect(seen).toEqual(['s1', 's2', 's3']);
    expect(lastEventIdHeaders()).toEqual([undefined, 's2']);
    await until(streamConnectionsClosed, 2000, 'the connection to close after the last event');
  });
});

describe('a stream the server ends', () => {
  it.each(allStreams)('$name: a clean end (res.end) is reconnected and resumed', async (route) => {
    server = await startSse({
      sse(ctx) {
        if (ctx.lastEventId === undefined) {
          ctx.retry(20);
          ctx.sendMany([route.event(1), route.event(2)]);
          ctx.end();
        } else {
          ctx.send(route.event(3, true));
        }
      },
    });
    const { seen, error } = await drain(route.open(server.url, { reconnectDelay: 5000 }), route.key, 3);
    expect(error).toBeUndefined();
    expect(seen).toEqual(ids(route, 1, 2, 3));
    expect(lastEventIdHeaders()).toEqual([undefined, route.event(2).id]);
  });

  it.each([
    [0, 'gave up after 0 reconnects'],
    [1, 'gave up after 1 reconnect '],
    [3, 'gave up after 3 reconnects'],
  ])(
    'maxReconnects %i: gives up with HopxConnectionError after that many empty reconnects',
    async (maxReconnects, message) => {
      server = await startSse({
        sse(ctx) {
          ctx.retry(20);
          if (ctx.lastEventId === undefined) ctx.send(sandboxEvents.event(1));
          ctx.end();
        },
      });
      const { seen, error } = await drain(
        streamSandboxEvents(client(server.url), { maxReconnects }),
        sandboxEvents.key,
      );

      expect(seen).toEqual(['s1']);
      expect(error).toBeInstanceOf(HopxConnectionError);
      expect(error).not.toBeInstanceOf(HopxTimeoutError);
      expect((error as Error).message).toContain(`GET /v1/sandboxes/stream: ${message}`);
      expect((error as Error).message).toContain('the server ended the stream');
      expect(server.requests).toHaveLength(1 + maxReconnects);
    },
  );

  it('every new event resets the count of reconnects', async () => {
    let connection = 0;
    server = await startSse({
      sse(ctx) {
        connection++;
        ctx.retry(20);
        // Connections 1 and 3 bring a new event, the others nothing.
        if (connection === 1) ctx.send(templateEvents.event(1));
        if (connection === 3) ctx.send(templateEvents.event(2));
        ctx.end();
      },
    });
    const { seen, error } = await drain(
      streamTemplateEvents(client(server.url), { maxReconnects: 2 }),
      templateEvents.key,
    );

    expect(seen).toEqual(['t1', 't2']);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect((error as Error).message).toContain('GET /v1/templates/stream: gave up after 2 reconnects');
    // 1 (t1), 2 (empty), 3 (t2: count back to 0), 4 and 5 (empty), then it gives up.
    expect(server.requests).toHaveLength(5);
    expect(lastEventIdHeaders()).toEqual([undefined, 't1', 't1', 't2', 't2']);
  });

  it('a replayed event is not a new event: it does not reset the count', async () => {
    server = await startSse({
      sse(ctx) {
        ctx.retry(20);
        ctx.send(sandboxEvents.event(1)); // every connection replays s1 and nothing else
        ctx.end();
      },
    });
    const { seen, error } = await drain(
      streamSandboxEvents(client(server.url), { maxReconnects: 2 }),
      sandboxEvents.key,
    );
    expect(seen).toEqual(['s1']);
    expect((error as Error).message).toContain('gave up after 2 reconnects');
    expect(server.requests).toHaveLength(3);
  });

  it('a server that is gone on reconnect: connection refused counts as a failed reconnect', async () => {
    const seen: string[] = [];
    server = await startSse({
      async sse(ctx) {
        ctx.retry(20);
        ctx.send(sandboxEvents.event(1));
        await until(() => seen.length === 1, 5000, 'the first event');
        await server!.close(); // drops this connection and stops listening
      },
    });
    const { error } = await drain(
      streamSandboxEvents(client(server.url, 0), { maxReconnects: 2 }),
      sandboxEvents.key,
      Infinity,
      seen,
    );

    expect(seen).toEqual(['s1']);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect((error as Error).message).toMatch(
      /^GET \/v1\/sandboxes\/stream: gave up after 2 reconnects \(.*ECONNREFUSED/,
    );
    expect((error as HopxConnectionError).cause).toBeInstanceOf(HopxConnectionError);
  });
});

describe('idle timeout', () => {
  it.each(allStreams)(
    '$name: a server that stalls ends the iteration with HopxTimeoutError after idleTimeout',
    async (route) => {
      const IDLE_MS = 150;
      let lastEventAt = Number.NaN;
      server = await startSse({
        sse(ctx) {
          ctx.sendMany([route.event(1), route.event(2)]); // then nothing, connection kept open
        },
      });
      const seen: string[] = [];
      const stream = route.open(server.url, { idleTimeout: IDLE_MS, reconnectDelay: 10 });
      let error: unknown;
      try {
        for await (const item of stream) {
          seen.push(route.key(item));
          lastEventAt = performance.now();
        }
      } catch (caught) {
        error = caught;
      }
      const waited = performance.now() - lastEventAt;

      expect(seen).toEqual(ids(route, 1, 2));
      expect(error).toBeInstanceOf(HopxTimeoutError);
      expect((error as Error).message).toBe(`${route.operation}: no data for ${IDLE_MS} ms while reading the response`);
      expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 1);
      expect(waited).toBeLessThan(10_000); // the option, not the 60 s default
      // A timeout is not reconnected: no request resumes after s2. (The transport may have retried a
      // connect that a loaded machine made slower than idleTimeout; such a retry carries no Last-Event-ID.)
      expect(lastEventIdHeaders().filter((id) => id !== undefined)).toEqual([]);
      await until(streamConnectionsClosed, 2000, 'the stalled connection to close');
    },
  );

  it.each(allStreams)('$name: heartbeat comments keep a quiet stream alive past idleTimeout', async (route) => {
    const IDLE_MS = 150;
    server = await startSse({
      sse(ctx) {
        ctx.send(route.event(1));
        const started = performance.now();
        const heartbeat = every(40, () => {
          if (performance.now() - started < IDLE_MS * 4) ctx.comment('ping');
          else {
            clearInterval(heartbeat);
            ctx.send(route.event(2, true));
          }
        });
        ctx.req.on('close', () => clearInterval(heartbeat));
      },
    });
    const { seen, error } = await drain(route.open(server.url, { idleTimeout: IDLE_MS }), route.key, 2);
    expect(error).toBeUndefined();
    expect(seen).toEqual(ids(route, 1, 2));
    expect(lastEventIdHeaders().filter((id) => id !== undefined)).toEqual([]); // never had to resume
  });

  // Guards against an idle timer that keeps running after a chunk is handed over (transport.ts
  // guardBody): the caller's own work on an event would then count as the server's silence.
  it('time the caller spends on an event is not idle time (heartbeats keep arriving meanwhile)', async () => {
    const IDLE_MS = 150;
    server = await startSse({
      sse(ctx) {
        ctx.send(sandboxEvents.event(1));
        const started = performance.now();
        const heartbeat = every(30, () => {
          if (performance.now() - started < 300) ctx.comment('ping');
          else {
            clearInterval(heartbeat);
            ctx.send(sandboxEvents.event(2));
          }
        });
        ctx.req.on('close', () => clearInterval(heartbeat));
      },
    });
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const event of streamSandboxEvents(client(server.url), { idleTimeout: IDLE_MS, maxReconnects: 0 })) {
        seen.push(event.id!);
        if (seen.length === 1) await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 2.5)); // slow work on the event
        if (seen.length === 2) break;
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeUndefined();
    expect(seen).toEqual(['s1', 's2']);
  });

  it('no response headers within idleTimeout: HopxTimeoutError, not reconnected', async () => {
    scripted = await startScriptedServer(() => new Promise(() => {})); // never answers
    const { seen, error } = await drain(
      streamSandboxEvents(client(scripted.url, 0), { idleTimeout: 150 }),
      sandboxEvents.key,
    );
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect((error as Error).message).toBe('GET /v1/sandboxes/stream timed out after 150 ms');
    expect(scripted.seen).toHaveLength(1);
  });
});

describe('AbortSignal', () => {
  it.each(allStreams)(
    '$name: aborting mid-stream rejects the pending next() with HopxAbortError and closes the connection',
    async (route) => {
      server = await startSse({
        sse(ctx) {
          ctx.sendMany([route.event(1), route.event(2)]); // then holds the connection open
        },
      });
      const controller = new AbortController();
      const iterator = route.open(server.url, { signal: controller.signal })[Symbol.asyncIterator]();
      expect(route.key((await iterator.next()).value)).toBe(route.event(1).id);
      expect(route.key((await iterator.next()).value)).toBe(route.event(2).id);
      const pending = iterator.next();
      let settled = false;
      pending.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      expect(settled).toBe(false);

      const reason = new Error('the user navigated away');
      controller.abort(reason);
      const error = await pending.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(HopxAbortError);
      expect((error as Error).message).toBe(`${route.operation} was aborted`);
      expect((error as Error).cause).toBe(reason);
      await until(streamConnectionsClosed, 2000, 'the aborted connection to close');
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(server.requests).toHaveLength(1);
    },
  );

  it('aborting while waiting to reconnect rejects at once and never reconnects', async () => {
    server = await startSse({
      sse(ctx) {
        ctx.retry(20_000);
        ctx.send(sandboxEvents.event(1));
        ctx.end();
      },
    });
    const tracking = endTrackingFetch();
    const controller = new AbortController();
    const iterator = streamSandboxEvents(
      createControlPlaneClient({ apiKey, baseUrl: server.url, fetch: tracking.fetch }),
      { signal: controller.signal },
    )[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.id).toBe('s1');
    const pending = iterator.next(); // reads the end, then sleeps 20 s before reconnecting
    await until(() => tracking.ended() === 1, 2000, 'the client to read the end of the first response');
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(HopxAbortError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(1);
  });

  it.each(allStreams)('$name: an already-aborted signal rejects without a request or an event', async (route) => {
    server = await startSse({ sse: (ctx) => void ctx.send(route.event(1)) });
    const { seen, error } = await drain(route.open(server.url, { signal: AbortSignal.abort() }), route.key);
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(HopxAbortError);
    expect((error as Error).message).toContain(route.operation);
    expect(server.requests).toHaveLength(0);
  });
});

describe('leaving early', () => {
  it.each(allStreams)('$name: break out of for await closes the connection', async (route) => {
    server = await startSse({
      sse(ctx) {
        ctx.sendMany([route.event(1), route.event(2)]); // more may come: the connection stays open
      },
    });
    const { seen } = await drain(route.open(server.url, {}), route.key, 1);
    expect(seen).toEqual(ids(route, 1));
    await until(streamConnectionsClosed, 2000, 'the connection to close after break');
    expect(server.requests).toHaveLength(1);
  });

  it.each(controlPlaneStreams)(
    '$name: close() while next() is pending resolves it as done and closes the connection',
    async (route) => {
      server = await startSse({ sse: (ctx) => void ctx.send(route.event(1)) });
      const stream = route.open(server.url, {}) as AsyncIterable<unknown> & { close(): void };
      const iterator = stream[Symbol.asyncIterator]();
      expect(route.key((await iterator.next()).value)).toBe(route.event(1).id);
      const pending = iterator.next();
      let settled = false;
      pending.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);

      stream.close();
      await expect(pending).resolves.toEqual({ done: true, value: undefined });
      await until(streamConnectionsClosed, 2000, 'the connection to close after close()');
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(server.requests).toHaveLength(1);
    },
  );

  it('break, close() and abort leave the server with no open connection at all (openConnections() reaches 0)', async () => {
    server = await startSse({
      sse(ctx) {
        const route = routeAt(ctx.path);
        ctx.sendMany([route.event(1), route.event(2)]); // and holds the connection open
      },
    });
    const url = server.url;
    const broken = drain(streamSandboxEvents(client(url)), sandboxEvents.key, 1);
    const closed = (async () => {
      const stream = streamSandboxMetrics(client(url), sandboxId);
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      stream.close();
      return iterator.next();
    })();
    const controller = new AbortController();
    const aborted = (async () => {
      const iterator = streamTemplateEvents(client(url), { signal: controller.signal })[Symbol.asyncIterator]();
      await iterator.next();
      await iterator.next();
      const pending = iterator.next();
      await until(() => server!.requests.length === 3, 2000, 'all three streams to connect');
      controller.abort();
      return pending.then(
        () => undefined,
        (error: unknown) => error,
      );
    })();
    expect((await broken).seen).toEqual(['s1']);
    expect(await closed).toEqual({ done: true, value: undefined });
    expect(await aborted).toBeInstanceOf(HopxAbortError);
    await until(streamConnectionsClosed, 2000, 'the three stream connections to close');
    // Includes the spare connection undici opens after a cancelled request (it closes itself in ~3 s).
    await until(() => server!.openConnections() === 0, 8000, 'no connection at all');
    expect(server.requests).toHaveLength(3);
  });

  it('close() before iterating: the iteration is empty and nothing is requested', async () => {
    server = await startSse({ sse: (ctx) => void ctx.send(sandboxEvents.event(1)) });
    const stream = streamSandboxEvents(client(server.url));
    stream.close();
    const { seen, error } = await drain(stream, sandboxEvents.key);
    expect(error).toBeUndefined();
    expect(seen).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('close() while waiting to reconnect ends the iteration at once', async () => {
    server = await startSse({
      sse(ctx) {
        ctx.retry(20_000);
        ctx.send(sandboxEvents.event(1));
        ctx.end();
      },
    });
    const tracking = endTrackingFetch();
    const stream = streamSandboxEvents(
      createControlPlaneClient({ apiKey, baseUrl: server.url, fetch: tracking.fetch }),
    );
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.id).toBe('s1');
    const pending = iterator.next();
    await until(() => tracking.ended() === 1, 2000, 'the client to read the end of the response');
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    stream.close();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(5000); // not after the 20 s wait
    expect(server.requests).toHaveLength(1);
  });
});

describe('malformed input and HTTP errors', () => {
  it.each(allStreams)(
    '$name: data that is not JSON is a HopxResponseFormatError naming the event id',
    async (route) => {
      server = await startSse({
        sse(ctx) {
          ctx.send(route.event(1));
          ctx.raw(
            `id: ${route.event(2).id}\nevent: ${route.event(2).event}\ndata: {"offset": 2, "message": "Step 2\n\n`,
          );
          ctx.send(route.event(3));
        },
      });
      const { seen, error } = await drain(route.open(server.url, { reconnectDelay: 10 }), route.key);
      expect(seen).toEqual(ids(route, 1));
      expect(error).toBeInstanceOf(HopxResponseFormatError);
      expect((error as Error).message).toContain(
        `${route.operation}: event ${route.event(2).id} carries data that is not JSON`,
      );
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
      expect(server.requests).toHaveLength(1);
      await until(streamConnectionsClosed, 2000, 'the connection to close');
    },
  );

  // Guards against setting lastEventId before the data is parsed (event-stream.ts): it would then name
  // an event never delivered, and resuming from it would silently skip that event.
  it('lastEventId stays on the last event delivered when the next one is malformed', async () => {
    server = await startSse({
      sse(ctx) {
        ctx.send(sandboxEvents.event(1));
        ctx.raw('id: s2\nevent: sandbox.status_changed\ndata: not json\n\n');
      },
    });
    const stream = streamSandboxEvents(client(server.url));
    const { seen, error } = await drain(stream, sandboxEvents.key);
    expect(seen).toEqual(['s1']);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(stream.lastEventId).toBe('s1');
  });

  it.each(
    controlPlaneStreams.flatMap((route) => [
      { route, type: 'application/json', body: '{"data":[]}' },
      { route, type: 'text/html; charset=utf-8', body: '<html>proxy login</html>' },
    ]),
  )('$route.name: a 200 of type $type is a HopxResponseFormatError, not retried', async ({ route, type, body }) => {
    scripted = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) }).end(body);
    });
    const { seen, error } = await drain(route.open(scripted.url, { reconnectDelay: 10 }), route.key);
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as Error).message).toBe(`${route.operation}: expected text/event-stream but got '${type}'`);
    expect((error as HopxResponseFormatError).status).toBe(200);
    expect(scripted.seen).toHaveLength(1);
    expect(scripted.seen[0]!.url.split('?')[0]).toBe(route.path);
  });

  it.each(
    allStreams.flatMap((route) => [
      { route, status: 401, Class: AuthenticationError, body: { error: 'Invalid API key' } },
      { route, status: 404, Class: NotFoundError, body: { error: 'Not found', code: 'INVALID_REQUEST' } },
      { route, status: 500, Class: InternalServerError, body: { error: 'boom', code: 'INTERNAL_ERROR' } },
    ]),
  )(
    '$route.name: HTTP $status on connect is a $Class.name, not reconnected',
    async ({ route, status, Class, body }) => {
      scripted = await startScriptedServer((_req, res) => sendJson(res, status, body));
      const { seen, error } = await drain(route.open(scripted.url, { reconnectDelay: 10 }, 0), route.key);
      expect(seen).toEqual([]);
      expect(error).toBeInstanceOf(Class);
      expect((error as InstanceType<typeof Class>).status).toBe(status);
      expect((error as Error).message).toContain(body.error);
      expect((error as Error).message).toContain(route.operation);
      expect(scripted.seen).toHaveLength(1);
    },
  );

  it('a 401 on a reconnect (key revoked mid-stream) ends the stream with AuthenticationError', async () => {
    const seen: string[] = [];
    scripted = await startScriptedServer(async (req, res: ServerResponse) => {
      if (req.headers['last-event-id'] === undefined) {
        const event = sandboxEvents.event(1);
        assertMatchesSchema('SandboxEvent', event.data);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`retry: 20\n\n${eventText(event)}`);
        await until(() => seen.length === 1, 5000, 'the first event');
        req.socket.destroy();
      } else {
        sendJson(res, 401, { error: 'API key revoked' });
      }
    });
    const { error } = await drain(streamSandboxEvents(client(scripted.url, 0)), sandboxEvents.key, Infinity, seen);
    expect(seen).toEqual(['s1']);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect(scripted.seen.map((r) => r.headers['last-event-id'])).toEqual([undefined, 's1']);
  });
});

describe('a shared AbortSignal', () => {
  it('50 streams that each finished leave no abort listener and no connection behind', async () => {
    server = await startSse({
      sse(ctx) {
        const route = routeAt(ctx.path);
        ctx.sendMany([route.event(1), route.event(2)]); // and holds the connection open
      },
    });
    const shared = new AbortController();
    const endings = ['break', 'close() with next() pending', 'close() between events', 'idle timeout'] as const;
    for (let i = 0; i < 50; i++) {
      const route = allStreams[i % allStreams.length]!;
      const ending = endings[Math.floor(i / allStreams.length) % endings.length]!;
      const stream = route.open(server.url, {
        signal: shared.signal,
        idleTimeout: ending === 'idle timeout' ? 100 : 5000,
      });
      if (ending === 'idle timeout') {
        const { seen, error } = await drain(stream, route.key);
        expect(seen).toEqual(ids(route, 1, 2));
        expect(error).toBeInstanceOf(HopxTimeoutError);
      } else if (ending === 'break' || !('close' in stream)) {
        expect((await drain(stream, route.key, 1)).seen).toEqual(ids(route, 1));
      } else {
        const close = () => (stream as { close(): void }).close();
        const iterator = stream[Symbol.asyncIterator]();
        expect(route.key((await iterator.next()).value)).toBe(route.event(1).id);
        if (ending === 'close() with next() pending') {
          expect(route.key((await iterator.next()).value)).toBe(route.event(2).id);
          const pending = iterator.next();
          close();
          expect(await pending).toEqual({ done: true, value: undefined });
        } else {
          close();
          expect(await iterator.next()).toEqual({ done: true, value: undefined });
        }
      }
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    await until(streamConnectionsClosed, 5000, 'every stream connection to close');
    await until(() => server!.openConnections() === 0, 8000, 'no connection at all');
    expect(server.requests).toHaveLength(50);
  });
});
