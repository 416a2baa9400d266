// How an agent WebSocket session reads: what it keeps and for how long. A message handed to the
// caller is not kept by the session (a flood would otherwise hold thousands of them in memory and
// make every garbage collection copy them), and the idle timeout counts from the last frame, however
// the session keeps track of it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentSocket, createAgentClient, HopxTimeoutError, streamExecution } from '../../src/index.js';
import { type StreamServer, startStreamServer } from '../support/stream-server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';
let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const agent = () =>
  createAgentClient({
    sandbox: { id: sandboxId, public_host: server!.url, auth_token: 'jwt-header.payload.signature' },
  });

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next stdout message's text, and a weak reference to the message. */
async function takeWeakly(session: AgentSocket<'/execute/stream'>): Promise<[string, WeakRef<object>]> {
  const result = await session.next();
  if (result.done || result.value.type !== 'stdout') throw new Error('expected a stdout message');
  return [result.value.data, new WeakRef(result.value)];
}

describe('what a session keeps', () => {
  it('a message handed out is not kept by the session while later ones wait in its queue', async () => {
    const total = 1_000;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        for (let i = 0; i < total; i++) ctx.send({ type: 'stdout', data: `${i}\n`, timestamp: at });
        ctx.send({ type: 'complete', success: true });
      },
    });
    const session = await streamExecution(agent(), { code: 'for i in range(1000): print(i)' }, { pingInterval: 0 });
    // Only weak references to the first ten messages, taken in a function of their own so that no
    // variable of this test's keeps one (nor an assertion).
    const handedOut: WeakRef<object>[] = [];
    let dataSeen = '';
    for (let i = 0; i < 10; i++) {
      const [data, ref] = await takeWeakly(session);
      dataSeen += data;
      handedOut.push(ref);
    }
    // Let the rest of the burst arrive and queue up behind them.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await collectGarbage();
    expect(handedOut.flatMap((ref, i) => (ref.deref() === undefined ? [] : [i]))).toEqual([]);
    expect(dataSeen).toBe('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    // The rest still arrives whole and in order.
    let next = 10;
    let last: string | undefined;
    for await (const message of session) {
      last = message.type;
      if (message.type === 'stdout' && message.data !== `${next++}\n`) throw new Error(`out of order at ${next - 1}`);
    }
    expect(next).toBe(total);
    expect(last).toBe('complete');
  });
});

describe('idle timeout', () => {
  it('messages keep a session alive past idleTimeout; silence after the last one ends it no sooner than idleTimeout', async () => {
    const idleTimeout = 300;
    const count = 15;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        // 450 ms of messages, 1.5x the idle timeout, then silence.
        for (let i = 0; i < count; i++) {
          ctx.send({ type: 'stdout', data: `${i}\n`, timestamp: at });
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
      },
    });
    const session = await streamExecution(agent(), { code: 'input()' }, { idleTimeout, pingInterval: 0 });
    let received = 0;
    let lastAt = 0;
    let error: unknown;
    try {
      for await (const _message of session) {
        received++;
        lastAt = Date.now();
      }
    } catch (e) {
      error = e;
    }
    const endedAt = Date.now();
    expect(received).toBe(count);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    // The session reads its clock once per batch of frames, before the caller sees them; Date.now()
    // has 1 ms steps.
    expect(endedAt - lastAt).toBeGreaterThanOrEqual(idleTimeout - 2);
  });
});
