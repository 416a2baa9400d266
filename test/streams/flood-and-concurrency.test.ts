// Volume: floods sent as fast as the server can write, and a thousand streams at once. Every event
// and frame must arrive exactly once and in order, and nothing may stay open afterwards.
// (Correctness under load only; speed is measured by `npm run bench`, not asserted here.)
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  createControlPlaneClient,
  openAgentSocket,
  runCode,
  streamSandboxEvents,
} from '../../src/index.js';
import { type EventToSend, type StreamServer, startStreamServer } from '../support/stream-server.js';
import { until } from '../support/until.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';
let server: StreamServer;
afterEach(() => server?.close());

const event = (i: number): EventToSend => ({
  id: String(i),
  event: 'sandbox.status_changed',
  data: { id: String(i), type: 'sandbox.status_changed', sandbox_id: sandboxId, status: 'running', timestamp: at },
});

describe('floods', () => {
  it('1,000,000 SSE events: every one delivered once, in order', async () => {
    const total = 1_000_000;
    const batch = 5_000;
    server = await startStreamServer({
      async sse(ctx) {
        for (let start = 0; start < total; start += batch) {
          const events = Array.from({ length: batch }, (_, k) => event(start + k));
          if (!ctx.sendMany(events)) await new Promise((r) => ctx.res.once('drain', r));
        }
      },
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const stream = streamSandboxEvents(hopx, { maxReconnects: 0 });
    let expected = 0;
    let outOfOrder = 0;
    for await (const e of stream) {
      if (e.id !== String(expected) || e.data.id !== e.id) outOfOrder++;
      expected++;
      if (expected === total) break;
    }
    expect(expected).toBe(total);
    expect(outOfOrder).toBe(0);
    expect(stream.lastEventId).toBe(String(total - 1));
  }, 180_000);

  it('100,000 WebSocket frames in one burst: every one delivered once, in order', async () => {
    const total = 100_000;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        for (let i = 0; i < total; i++) ctx.send({ type: 'stdout', data: `${i}\n`, timestamp: at });
        ctx.send({ type: 'result', exit_code: 0, execution_time: 1.5, timestamp: at });
        ctx.send({ type: 'complete', success: true });
      },
    });
    const agent = createAgentClient({
      sandbox: { id: sandboxId, public_host: server.url, auth_token: 'jwt-header.payload.signature' },
    });
    let next = 0;
    let outOfOrder = 0;
    const output = await runCode(
      agent,
      { code: 'for i in range(100000): print(i)' },
      {
        onStdout: (data) => {
          if (data !== `${next}\n`) outOfOrder++;
          next++;
        },
      },
    );
    expect(next).toBe(total);
    expect(outOfOrder).toBe(0);
    expect(output.exitCode).toBe(0);
    expect(output.success).toBe(true);
    expect(output.stdout.length).toBe(Array.from({ length: total }, (_, i) => `${i}\n`).join('').length);
  }, 120_000);
});

describe('a thousand at once', () => {
  it('1,000 concurrent SSE streams, each left early: no socket and no abort listener left behind', async () => {
    server = await startStreamServer({
      sse(ctx) {
        ctx.sendMany([event(1), event(2), event(3)]);
      },
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const shared = new AbortController();
    const received = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const ids: string[] = [];
        for await (const e of streamSandboxEvents(hopx, { signal: shared.signal })) {
          ids.push(e.id!);
          if (ids.length === 3) break;
        }
        return ids.join(',');
      }),
    );
    expect(new Set(received)).toEqual(new Set(['1,2,3']));
    await until(() => server.openConnections() === 0, 10_000, 'every SSE connection to close');
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  }, 120_000);

  it('1,000 concurrent WebSocket sessions, each run to completion: every socket closed', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        const request = await ctx.nextMessage();
        ctx.send({ type: 'stdout', data: request.code, timestamp: at });
        ctx.send({ type: 'complete', success: true });
      },
    });
    const agent = createAgentClient({
      sandbox: { id: sandboxId, public_host: server.url, auth_token: 'jwt-header.payload.signature' },
    });
    const shared = new AbortController();
    const outputs = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => runCode(agent, { code: `print(${i})` }, { signal: shared.signal })),
    );
    expect(outputs.map((o) => o.stdout)).toEqual(Array.from({ length: 1000 }, (_, i) => `print(${i})`));
    expect(outputs.every((o) => o.success)).toBe(true);
    await until(() => server.openConnections() === 0, 10_000, 'every WebSocket to close');
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  }, 120_000);

  it('1,000 sessions left early with break: every socket closed', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send({ type: 'stdout', data: 'first\n', timestamp: at });
      },
    });
    const agent = createAgentClient({
      sandbox: { id: sandboxId, public_host: server.url, auth_token: 'jwt-header.payload.signature' },
    });
    await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const socket = await openAgentSocket(agent, '/execute/stream');
        socket.send({ type: 'execute', code: 'print("first")' });
        for await (const message of socket) {
          expect(message.type).toBe('stdout');
          break;
        }
      }),
    );
    await until(() => server.openConnections() === 0, 10_000, 'every WebSocket to close');
  }, 120_000);
});
