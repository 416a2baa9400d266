// A session whose reading is paused (the caller fell more than 10 000 messages behind) must still
// close its connection within a second, whichever way it ends: break, close(), the caller's signal,
// or the protocol's last message arriving while paused. A paused socket never reads the server's
// closing handshake, so a plain close would wait for ws's 30 s close timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentClient, streamExecution } from '../../src/index.js';
import { type StreamServer, startStreamServer } from '../support/stream-server.js';
import { until } from '../support/until.js';

const at = '2025-10-21T12:02:11Z';
let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers the execute message with `count` stdout frames at once (then `complete`, if asked). */
async function flooding(count: number, then?: 'complete') {
  const flooded = { done: false };
  server = await startStreamServer({
    async socket(ctx) {
      await ctx.nextMessage();
      const frame = JSON.stringify({ type: 'stdout', data: 'x\n', timestamp: at });
      for (let i = 0; i < count; i++) ctx.raw(frame);
      if (then) ctx.send({ type: 'complete', success: true });
      flooded.done = true;
    },
  });
  return flooded;
}

const agent = () =>
  createAgentClient({
    sandbox: { id: '1761048129dsaqav4n', public_host: server!.url, auth_token: 'jwt-header.payload.signature' },
  });

/** Opens a session, reads one message, and waits until the flood has arrived (so reading is paused). */
async function pausedSession(count: number, then?: 'complete', signal?: AbortSignal) {
  const flooded = await flooding(count, then);
  const session = await streamExecution(agent(), { code: 'print("x")', language: 'python' }, signal ? { signal } : {});
  const iterator = session[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toMatchObject({ type: 'stdout' });
  await until(() => flooded.done, 5_000, 'the flood to be sent');
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the client fill its queue and pause
  return { session, iterator };
}

async function closesWithinASecond() {
  const started = Date.now();
  await until(() => server!.openConnections() === 0, 1_000, 'the connection to close');
  return Date.now() - started;
}

describe('closing a paused WebSocket session', () => {
  it('break (return) closes the connection within a second', async () => {
    const { iterator } = await pausedSession(30_000);
    await iterator.return!();
    expect(await closesWithinASecond()).toBeLessThan(1_000);
  });

  it('close() closes the connection within a second', async () => {
    const { session } = await pausedSession(30_000);
    session.close();
    expect(await closesWithinASecond()).toBeLessThan(1_000);
  });

  it("the caller's signal closes the connection within a second", async () => {
    const controller = new AbortController();
    const { iterator } = await pausedSession(30_000, undefined, controller.signal);
    controller.abort();
    expect(await closesWithinASecond()).toBeLessThan(1_000);
    await expect(iterator.next()).rejects.toMatchObject({ name: 'HopxAbortError' });
  });

  it('the last message arriving while paused closes the connection, and every message is still delivered', async () => {
    const count = 10_050;
    const { iterator } = await pausedSession(count, 'complete');
    expect(await closesWithinASecond()).toBeLessThan(1_000);
    let stdout = 1;
    let last: string | undefined;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      last = next.value.type;
      if (last === 'stdout') stdout++;
    }
    expect(stdout).toBe(count);
    expect(last).toBe('complete');
  });
});
