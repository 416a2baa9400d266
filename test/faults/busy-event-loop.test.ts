// The idle timeout measures the server's silence, not our own event loop's. When the loop is held
// up (a long synchronous job in the app) past the timeout while data has arrived, the timer fires
// first on the next turn, ahead of the I/O that carries the data: it must look once more after
// that I/O instead of failing. The server runs in another process, so the data does arrive while
// this one is blocked.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { createAgentClient, createControlPlaneClient, streamExecution, streamSandboxEvents } from '../../src/index.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const event = (id: number) =>
  `id: ${id}\nevent: sandbox.status\ndata: ${JSON.stringify({ type: 'sandbox.status', sandbox_id: 's1', status: 'running', timestamp: '2026-11-28T12:00:00Z' })}\n\n`;

/** Sends the first event at once and the second `gapMs` later, then ends. */
const serverCode = (gapMs: number) => `
  const server = require('node:http').createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(${JSON.stringify(event(1))});
    setTimeout(() => res.end(${JSON.stringify(event(2))}), ${gapMs});
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** Answers an execute request with one stdout message at once and another `gapMs` later. */
const socketServerCode = (gapMs: number) => `
  const { WebSocketServer } = require('ws');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => console.log(server.address().port));
  server.on('connection', (socket) => socket.once('message', () => {
    socket.send(JSON.stringify({ type: 'stdout', data: 'a' }));
    setTimeout(() => {
      socket.send(JSON.stringify({ type: 'stdout', data: 'b' }));
      socket.send(JSON.stringify({ type: 'complete', success: true }));
    }, ${gapMs});
  }));
`;

let child: ChildProcess | undefined;

/** Starts `code` in another Node process; resolves to the port it printed. */
async function startServerProcess(code: string): Promise<number> {
  child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return Number(line.toString());
}
afterEach(() => {
  child?.kill();
  child = undefined;
});

/** Holds the event loop for `ms`, as a long synchronous job would. */
function blockFor(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

it('a stream whose next event arrived while the loop was blocked past the idle timeout goes on', async () => {
  const baseUrl = `http://127.0.0.1:${await startServerProcess(serverCode(100))}`;
  const hopx = createControlPlaneClient({ apiKey, baseUrl });
  const events = streamSandboxEvents(hopx, { idleTimeout: 300, maxReconnects: 0 });
  const iterator = events[Symbol.asyncIterator]();
  expect((await iterator.next()).value?.id).toBe('1');
  // While next() waits for the second event (sent at 100 ms), the loop is held for 1.5 s, in
  // setImmediate's phase (a job held in a timer's callback would leave the other timers for a turn).
  const second = iterator.next();
  setTimeout(() => setImmediate(() => blockFor(1500)), 20);
  expect((await second).value?.id).toBe('2');
  events.close();
});

it('a WebSocket session whose next message arrived while the loop was blocked past the idle timeout goes on', async () => {
  const port = await startServerProcess(socketServerCode(100));
  const agent = createAgentClient({
    sandbox: { id: 'busy', public_host: `http://127.0.0.1:${port}`, auth_token: 'token-0123456789' },
  });
  const session = await streamExecution(agent, { code: 'print(1)' }, { idleTimeout: 300, pingInterval: 0 });
  const iterator = session[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toEqual({ type: 'stdout', data: 'a' });
  const second = iterator.next();
  setTimeout(() => setImmediate(() => blockFor(1500)), 20);
  expect((await second).value).toEqual({ type: 'stdout', data: 'b' });
  expect((await iterator.next()).value).toEqual({ type: 'complete', success: true });
});

it('a pong that arrived while the loop was blocked past the ping interval keeps the session', async () => {
  // The server answers pings (ws does) and sends the rest of the run 1.5 s in.
  const port = await startServerProcess(socketServerCode(1500));
  const agent = createAgentClient({
    sandbox: { id: 'busy', public_host: `http://127.0.0.1:${port}`, auth_token: 'token-0123456789' },
  });
  const session = await streamExecution(agent, { code: 'print(1)' }, { idleTimeout: 5_000, pingInterval: 100 });
  // Made after the session's ping timer with the same period: it fires right after the first ping
  // is sent, and the loop is held (in setImmediate's phase) while the pong comes back.
  setTimeout(() => setImmediate(() => blockFor(1000)), 100);
  const messages = [];
  for await (const message of session) messages.push(message);
  expect(messages).toEqual([
    { type: 'stdout', data: 'a' },
    { type: 'stdout', data: 'b' },
    { type: 'complete', success: true },
  ]);
});
