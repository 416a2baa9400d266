// How an agent WebSocket session fails, against the local stream server: a server `error` message,
// an unexpected close or a dropped connection, malformed frames, an idle or dead peer, an abort.
// Each failure comes after the messages received before it, and each ends with a typed error and
// a closed socket; a normal end (complete, break, close()) ends without one.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  HopxAbortError,
  HopxConnectionError,
  HopxError,
  HopxResponseFormatError,
  HopxStreamClosedError,
  HopxStreamError,
  HopxTimeoutError,
  openAgentSocket,
  openTerminal,
  runCode,
  streamExecution,
  watchFiles,
} from '../../src/index.js';
import { type SocketContext, type StreamServer, startStreamServer } from '../support/stream-server.js';
import { until } from '../support/until.js';

const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';
let server: StreamServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

const agent = (host = server!.url) =>
  createAgentClient({ sandbox: { id: sandboxId, public_host: host, auth_token: 'jwt-header.payload.signature' } });
const stdout = (data: string) => ({ type: 'stdout', data, timestamp: at }) as const;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Everything an iteration delivers, and the error that ended it (undefined for a normal end). */
async function drain<T>(
  iterable: AsyncIterable<T>,
  onItem?: (item: T, index: number) => void,
): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) {
      items.push(item);
      onItem?.(item, items.length - 1);
    }
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

/** The close each server-side socket saw (code and reason), in connection order. */
interface SeenClose {
  code: number;
  reason: string;
}
function watchClose(ctx: SocketContext, closes: SeenClose[]) {
  ctx.ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
}

describe('server `error` message', () => {
  const timedOut = {
    type: 'error',
    error: 'Execution timed out after 1 seconds',
    code: 'EXECUTION_TIMEOUT',
    timestamp: at,
  } as const;

  it('comes after the stdout frames received before it, then the iteration throws HopxStreamError', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({
      async socket(ctx) {
        watchClose(ctx, closes);
        await ctx.nextMessage();
        ctx.send(stdout('one\n'));
        ctx.send(stdout('two\n'));
        ctx.send(timedOut);
      },
    });
    const session = await streamExecution(agent(), { code: 'while True: print(1)', timeout: 1 });
    const { items, error } = await drain(session);
    expect(items).toEqual([stdout('one\n'), stdout('two\n')]);
    expect(error).toBeInstanceOf(HopxStreamError);
    expect(error).not.toBeInstanceOf(HopxConnectionError);
    expect((error as HopxStreamError).code).toBe('EXECUTION_TIMEOUT');
    expect((error as HopxStreamError).message).toContain('Execution timed out after 1 seconds');
    expect((error as HopxStreamError).operation).toBe('WebSocket /execute/stream');
    // The iteration stays failed, and the client hung up.
    await expect(session.next()).rejects.toBe(error);
    await until(() => closes.length === 1);
  });

  it('runCode hands out the stdout chunks, then rejects with it', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('one\n'));
        ctx.send(stdout('two\n'));
        ctx.send(timedOut);
      },
    });
    const chunks: string[] = [];
    const error = await runCode(
      agent(),
      { code: 'while True: print(1)', timeout: 1 },
      { onStdout: (d) => chunks.push(d) },
    ).catch((e: unknown) => e);
    expect(chunks).toEqual(['one\n', 'two\n']);
    expect(error).toBeInstanceOf(HopxStreamError);
    expect((error as HopxStreamError).code).toBe('EXECUTION_TIMEOUT');
    expect((error as HopxStreamError).message).toContain('Execution timed out after 1 seconds');
  });

  it('an error message on /commands/stream without a code still fails with the server message', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send({ type: 'error', error: 'command not found: frobnicate' });
      },
    });
    const session = await openAgentSocket(agent(), '/commands/stream');
    session.send({ type: 'command', command: 'frobnicate' });
    const { items, error } = await drain(session);
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(HopxStreamError);
    expect((error as HopxStreamError).message).toContain('command not found: frobnicate');
    expect((error as HopxStreamError).code).toBeUndefined();
  });
});

describe('unexpected close', () => {
  it('a close frame before `complete` is HopxStreamClosedError with the close code and reason', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('partial\n'));
        ctx.ws.close(1011, 'agent restarting');
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(items).toEqual([stdout('partial\n')]);
    expect(error).toBeInstanceOf(HopxStreamClosedError);
    expect(error).toBeInstanceOf(HopxConnectionError);
    const closed = error as HopxStreamClosedError;
    expect(closed.closeCode).toBe(1011);
    expect(closed.closeReason).toBe('agent restarting');
    expect(closed.message).toContain('1011 agent restarting');
  });

  it('runCode rejects with it too', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('partial\n'));
        ctx.ws.close(1011, 'agent restarting');
      },
    });
    const error = await runCode(agent(), { code: 'print(1)' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxStreamClosedError);
    expect((error as HopxStreamClosedError).closeCode).toBe(1011);
  });

  it('a dropped TCP connection (no close frame) is a HopxConnectionError', async () => {
    const dropNow = deferred();
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('partial\n'));
        await dropNow.promise;
        ctx.ws.terminate();
      },
    });
    const { items, error } = await drain(
      await streamExecution(agent(), { code: 'print(1)' }, { pingInterval: 0 }),
      () => dropNow.resolve(),
    );
    expect(items).toEqual([stdout('partial\n')]);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect((error as HopxConnectionError).message).toContain('WebSocket /execute/stream');
    // Without a close frame there is no code the server chose: 1006 (abnormal closure), if any.
    if (error instanceof HopxStreamClosedError) expect(error.closeCode).toBe(1006);
  });

  it('a close after `complete` is the normal end: no error', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('done\n'));
        ctx.send({ type: 'complete', success: true });
        ctx.ws.close(1011, 'closing anyway');
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(error).toBeUndefined();
    expect(items).toEqual([stdout('done\n'), { type: 'complete', success: true }]);
  });

  it('a terminal that drops the connection right after `exit` ends normally', async () => {
    server = await startStreamServer({
      socket(ctx) {
        ctx.send({ type: 'output', data: 'bye\r\n' });
        ctx.send({ type: 'exit', code: 3 });
        ctx.ws.terminate();
      },
    });
    const terminal = await openTerminal(agent());
    const { items, error } = await drain(terminal.output);
    expect(error).toBeUndefined();
    expect(items).toEqual(['bye\r\n']);
    await expect(terminal.exitCode).resolves.toBe(3);
  });

  it('a file watch has no last message: the server closing it is HopxStreamClosedError', async () => {
    const change = { type: 'change', path: '/workspace/a.txt', event: 'created', timestamp: at } as const;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(change);
        ctx.ws.close(1001, 'going away');
      },
    });
    const { items, error } = await drain(await watchFiles(agent()));
    expect(items).toEqual([change]);
    expect(error).toBeInstanceOf(HopxStreamClosedError);
    expect((error as HopxStreamClosedError).closeCode).toBe(1001);
    expect((error as HopxStreamClosedError).closeReason).toBe('going away');
  });
});

// Counterexamples found by the property tests (test/unit/properties/websocket-messages.test.ts):
// these were delivered as they came, typed as the route's messages they were not.
describe('messages the route does not send', () => {
  it.each([
    ['a type the route does not have', '{"type":"progress","percent":50}'],
    ['a type named like what every object inherits', '{"type":"constructor","data":""}'],
    ['__proto__ as the type', '{"type":"__proto__"}'],
  ])('%s is passed over (the platform may add types): the messages around it arrive', async (_what, frame) => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('before\n'));
        ctx.raw(frame);
        ctx.send(stdout('after\n'));
        ctx.send({ type: 'complete', success: true });
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(error).toBeUndefined();
    expect(items).toEqual([stdout('before\n'), stdout('after\n'), { type: 'complete', success: true }]);
  });

  it.each([
    ['stdout whose data is a number', '{"type":"stdout","data":5}', '"stdout" message whose data is not a string'],
    ['stdout without data', '{"type":"stdout"}', '"stdout" message whose data is missing'],
    ['a result whose exit code is not an integer', '{"type":"result","exit_code":1.5}', 'exit_code is not an integer'],
    ['complete whose success is a string', '{"type":"complete","success":"true"}', 'success is not a boolean'],
  ])('%s is HopxResponseFormatError after the messages before it', async (_what, frame, says) => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('before\n'));
        ctx.raw(frame);
        ctx.send({ type: 'complete', success: true });
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(items).toEqual([stdout('before\n')]);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as HopxResponseFormatError).message).toContain(says);
    expect((error as HopxResponseFormatError).operation).toBe('WebSocket /execute/stream');
  });

  it('runCode rejects on stdout whose data is not a string, instead of printing "5"', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.raw('{"type":"stdout","data":5}');
        ctx.send({ type: 'complete', success: true });
      },
    });
    const chunks: unknown[] = [];
    const error = await runCode(agent(), { code: 'print(5)' }, { onStdout: (d) => chunks.push(d) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(chunks).toEqual([]);
  });

  it('openTerminal: an exit code that is not a number rejects exitCode instead of resolving to it', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send({ type: 'output', data: 'bye\r\n' });
        ctx.raw('{"type":"exit","code":"0"}');
      },
    });
    const terminal = await openTerminal(agent(), { cols: 80, rows: 24 });
    await expect(terminal.exitCode).rejects.toBeInstanceOf(HopxResponseFormatError);
    const { items, error } = await drain(terminal.output);
    expect(items).toEqual(['bye\r\n']);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
  });

  it('watchFiles: a change with an event the spec does not list is HopxResponseFormatError', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.raw(JSON.stringify({ type: 'change', path: '/workspace/a', event: 'attrib', timestamp: at }));
      },
    });
    const { items, error } = await drain(await watchFiles(agent()));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as HopxResponseFormatError).message).toContain(
      'event is not one of created, modified, deleted, renamed',
    );
  });

  it.each([
    ['an array', '[]'],
    ['an object', '{"toString":1}'],
    ['a number', '404'],
    ['empty', '""'],
  ])('an `error` message whose code is %s is HopxStreamError without a code', async (_what, code) => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.raw(`{"type":"error","error":"it broke","code":${code}}`);
      },
    });
    const { error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(error).toBeInstanceOf(HopxStreamError);
    expect((error as HopxStreamError).code).toBeUndefined();
    expect((error as HopxStreamError).message).toContain('it broke');
  });
});

describe('malformed frames', () => {
  it('a non-JSON frame is HopxResponseFormatError, after the valid frames before it; the client closes with 1002', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({
      async socket(ctx) {
        watchClose(ctx, closes);
        await ctx.nextMessage();
        ctx.send(stdout('one\n'));
        ctx.send(stdout('two\n'));
        ctx.raw('Traceback (most recent call last): {');
        ctx.send(stdout('never seen\n'));
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(items).toEqual([stdout('one\n'), stdout('two\n')]);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as HopxResponseFormatError).message).toContain('not JSON');
    expect((error as HopxResponseFormatError).message).toContain('Traceback');
    await until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1002);
  });

  it.each([
    ['no type', '{"data":"x\\n","timestamp":"2025-10-21T12:02:11Z"}'],
    ['a numeric type', '{"type":5,"data":"x"}'],
    ['a null type', '{"type":null}'],
    ['null', 'null'],
    ['an array', '[{"type":"stdout","data":"x"}]'],
    ['a string', '"stdout"'],
    ['a number', '42'],
  ])('a JSON frame with %s is HopxResponseFormatError', async (_what, frame) => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('before\n'));
        ctx.raw(frame);
        ctx.send({ type: 'complete', success: true });
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(items).toEqual([stdout('before\n')]);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as HopxResponseFormatError).message).toContain('not a message object with a type');
  });

  it('runCode rejects on a malformed frame instead of returning partial output', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('before\n'));
        ctx.raw('<html>502 Bad Gateway</html>');
      },
    });
    await expect(runCode(agent(), { code: 'print(1)' })).rejects.toBeInstanceOf(HopxResponseFormatError);
  });

  it('blank and whitespace-only frames (keepalives) are skipped and are not messages', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.raw('');
        ctx.send(stdout('a'));
        ctx.raw(' ');
        ctx.raw('\n');
        ctx.raw('\t \r\n ');
        ctx.send(stdout('b'));
        ctx.raw('   ');
        ctx.send({ type: 'complete', success: true });
      },
    });
    const { items, error } = await drain(await streamExecution(agent(), { code: 'print(1)' }));
    expect(error).toBeUndefined();
    expect(items).toEqual([stdout('a'), stdout('b'), { type: 'complete', success: true }]);
  });

  it('keepalive frames keep an otherwise quiet session from idling out', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        // Quiet for 3x the idle timeout, but with a keepalive every 40 ms.
        for (let i = 0; i < 15; i++) {
          ctx.raw(' ');
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
        ctx.send({ type: 'complete', success: true });
      },
    });
    const output = await runCode(agent(), { code: 'import time; time.sleep(1)' }, { idleTimeout: 200 });
    expect(output.success).toBe(true);
    expect(output.stdout).toBe('');
  });
});

describe('idle timeout, abort, early exit', () => {
  it('no message for idleTimeout: HopxTimeoutError after the messages received, and the socket is closed', async () => {
    let serverSawClose = false;
    server = await startStreamServer({
      async socket(ctx) {
        ctx.ws.on('close', () => {
          serverSawClose = true;
        });
        await ctx.nextMessage();
        ctx.send(stdout('started\n'));
        // then silence
      },
    });
    const { items, error } = await drain(
      await streamExecution(agent(), { code: 'input()' }, { idleTimeout: 150, pingInterval: 0 }),
    );
    expect(items).toEqual([stdout('started\n')]);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect((error as HopxTimeoutError).message).toContain('no message for 150 ms');
    await until(() => serverSawClose);
    await until(() => server!.openConnections() === 0);
  });

  it('the idle timeout also applies before the first message, and runCode rejects with it', async () => {
    server = await startStreamServer({ socket: () => {} });
    await expect(runCode(agent(), { code: 'input()' }, { idleTimeout: 120, pingInterval: 0 })).rejects.toBeInstanceOf(
      HopxTimeoutError,
    );
  });

  it('signal.abort() mid-session: HopxAbortError with the reason as cause, and the server sees the close', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({
      async socket(ctx) {
        watchClose(ctx, closes);
        await ctx.nextMessage();
        ctx.send(stdout('working\n'));
      },
    });
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    const session = await streamExecution(
      agent(),
      { code: 'input()' },
      { signal: controller.signal, idleTimeout: 10_000 },
    );
    // Abort while the caller waits for the next message.
    const { items, error } = await drain(session, () => setTimeout(() => controller.abort(reason), 10));
    expect(items).toEqual([stdout('working\n')]);
    expect(error).toBeInstanceOf(HopxAbortError);
    expect((error as HopxAbortError).cause).toBe(reason);
    expect((error as HopxAbortError).message).toContain('WebSocket /execute/stream was aborted');
    await until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1000);
  });

  it('runCode with an aborted signal rejects with HopxAbortError', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('working\n'));
      },
    });
    const controller = new AbortController();
    const error = await runCode(
      agent(),
      { code: 'input()' },
      { signal: controller.signal, idleTimeout: 10_000, onStdout: () => controller.abort() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxAbortError);
  });

  it('a signal aborted before opening: HopxAbortError and no upgrade at all', async () => {
    server = await startStreamServer({});
    const controller = new AbortController();
    controller.abort();
    await expect(openAgentSocket(agent(), '/terminal', { signal: controller.signal })).rejects.toBeInstanceOf(
      HopxAbortError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('a signal aborted during the upgrade ends the attempt with HopxAbortError', async () => {
    // A host that accepts the TCP connection and never answers the upgrade.
    const stalled = await startStalledServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    // connectTimeout would end the attempt with HopxConnectionError; the abort must come first.
    const outcome = await openAgentSocket(agent(stalled.url), '/execute/stream', {
      signal: controller.signal,
      connectTimeout: 2_000,
      idleTimeout: 2_000,
    }).then(
      (socket) => {
        socket.close();
        return 'opened';
      },
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(HopxAbortError);
    expect((outcome as HopxAbortError).message).toContain('WebSocket /execute/stream was aborted');
  });

  it('connectTimeout: an upgrade that is never answered fails with HopxTimeoutError', async () => {
    const stalled = await startStalledServer();
    const error = await openAgentSocket(agent(stalled.url), '/execute/stream', { connectTimeout: 150 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error).toBeInstanceOf(HopxTimeoutError);
  });

  it('an early `break` closes the socket with code 1000', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({
      async socket(ctx) {
        watchClose(ctx, closes);
        await ctx.nextMessage();
        ctx.send(stdout('1\n'));
        ctx.send(stdout('2\n'));
        ctx.send(stdout('3\n'));
      },
    });
    const seen: string[] = [];
    for await (const message of await streamExecution(agent(), { code: 'print(1)' })) {
      if (message.type === 'stdout') seen.push(message.data);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['1\n', '2\n']);
    await until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1000);
    await until(() => server!.openConnections() === 0);
  });
});

describe('keepalive', () => {
  it('pingInterval sends protocol pings that a live peer answers, and the session carries on', async () => {
    let pings = 0;
    server = await startStreamServer({
      async socket(ctx) {
        ctx.ws.on('ping', () => {
          pings++;
        });
        await ctx.nextMessage();
        await until(() => pings >= 3);
        ctx.send(stdout('still here\n'));
        ctx.send({ type: 'complete', success: true });
      },
    });
    const output = await runCode(
      agent(),
      { code: 'import time; time.sleep(1)' },
      { pingInterval: 100, idleTimeout: 5_000 },
    );
    expect(output).toMatchObject({ stdout: 'still here\n', success: true });
    expect(pings).toBeGreaterThanOrEqual(3);
  });

  it('a peer that stops answering pings fails the session with HopxConnectionError instead of hanging', async () => {
    let stalled = false;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send(stdout('last words\n'));
        // A dead peer: the server stops reading, so pings go unanswered (and no close ever comes).
        (ctx.ws as unknown as { _socket: Socket })._socket.pause();
        stalled = true;
      },
    });
    // idleTimeout is far beyond the test timeout: only the keepalive can end this session.
    const { items, error } = await drain(
      await streamExecution(agent(), { code: 'print(1)' }, { pingInterval: 100, idleTimeout: 60_000 }),
    );
    expect(stalled).toBe(true);
    expect(items).toEqual([stdout('last words\n')]);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error).not.toBeInstanceOf(HopxTimeoutError);
    expect((error as HopxConnectionError).message).toContain('no answer to a ping within 100 ms');
  }, 10_000);
});

describe('after the session', () => {
  it('send() after `complete` throws a HopxError', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send({ type: 'complete', success: true });
      },
    });
    const session = await streamExecution(agent(), { code: 'pass' });
    const { error } = await drain(session);
    expect(error).toBeUndefined();
    expect(() => session.send({ type: 'execute', code: 'pass' })).toThrow(HopxError);
    expect(() => session.send({ type: 'execute', code: 'pass' })).toThrow(/closed/);
  });

  it('send() after a failure throws that failure', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.ws.close(1011, 'agent restarting');
      },
    });
    const session = await streamExecution(agent(), { code: 'pass' });
    const { error } = await drain(session);
    expect(error).toBeInstanceOf(HopxStreamClosedError);
    let thrown: unknown;
    try {
      session.send({ type: 'execute', code: 'pass' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(error);
  });

  it('send() after close() throws a HopxError, and close() twice is harmless', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({ socket: (ctx) => watchClose(ctx, closes) });
    const session = await openAgentSocket(agent(), '/terminal');
    session.close();
    session.close();
    expect(() => session.send({ type: 'input', data: 'ls\n' })).toThrow(HopxError);
    await expect(session.next()).resolves.toEqual({ done: true, value: undefined });
    await until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1000);
  });

  it('openTerminal: exitCode rejects with the session failure when it ends before `exit`', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        const input = await ctx.nextMessage();
        ctx.send({ type: 'output', data: `$ ${input.data}` });
        ctx.ws.close(1011, 'agent restarting');
      },
    });
    const terminal = await openTerminal(agent());
    terminal.write('sleep 100\n');
    const { items, error } = await drain(terminal.output);
    expect(items).toEqual(['$ sleep 100\n']);
    expect(error).toBeInstanceOf(HopxStreamClosedError);
    await expect(terminal.exitCode).rejects.toBe(error);
    expect(() => terminal.write('ls\n')).toThrow(HopxError);
  });

  it('openTerminal: exitCode settles when the session fails even if output is never read', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.ws.close(1011, 'agent restarting');
      },
    });
    const terminal = await openTerminal(agent(), { cols: 80, rows: 24 });
    cleanups.push(() => terminal.close());
    // Nobody reads `output`: exitCode alone must still learn that the session is over.
    let outcome: unknown = 'pending';
    terminal.exitCode.then(
      (code) => {
        outcome = `exit ${code}`;
      },
      (e: unknown) => {
        outcome = e;
      },
    );
    await until(() => outcome !== 'pending', 2_000).catch(() => {});
    expect(outcome).toBeInstanceOf(HopxStreamClosedError);
  });

  it('watchFiles: `break` closes the watch cleanly (code 1000, no error)', async () => {
    const closes: SeenClose[] = [];
    server = await startStreamServer({
      async socket(ctx) {
        watchClose(ctx, closes);
        expect(await ctx.nextMessage()).toEqual({ action: 'watch', path: '/workspace/data' });
        ctx.send({ type: 'change', path: '/workspace/data/a.csv', event: 'created', timestamp: at });
        ctx.send({ type: 'change', path: '/workspace/data/b.csv', event: 'created', timestamp: at });
      },
    });
    const watch = await watchFiles(agent(), '/workspace/data');
    const paths: string[] = [];
    for await (const change of watch) {
      paths.push(change.path);
      break;
    }
    expect(paths).toEqual(['/workspace/data/a.csv']);
    await until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1000);
    await until(() => server!.openConnections() === 0);
  });
});

describe('bursts', () => {
  it('500 frames sent in one synchronous loop all arrive, in order', async () => {
    const chunks = Array.from({ length: 500 }, (_, i) => `line ${i}\n`);
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        for (const chunk of chunks) ctx.send(stdout(chunk));
        ctx.send({ type: 'result', exit_code: 0, execution_time: 0.2, timestamp: at });
        ctx.send({ type: 'complete', success: true });
      },
    });
    const seen: string[] = [];
    const output = await runCode(
      agent(),
      { code: 'for i in range(500): print(f"line {i}")' },
      { onStdout: (d) => seen.push(d) },
    );
    expect(seen).toEqual(chunks);
    expect(output).toEqual({ stdout: chunks.join(''), stderr: '', exitCode: 0, executionTime: 0.2, success: true });
  });

  // 12 000 frames: the client stops reading at 10 000 queued (backpressure) and resumes once the
  // reader has caught up. While it is not reading, the server is not idle and not dead: neither the
  // idle timeout nor the keepalive may end the session.
  it.each([
    ['idleTimeout 300 ms', { idleTimeout: 300, pingInterval: 0 }],
    ['pingInterval 100 ms', { idleTimeout: 20_000, pingInterval: 100 }],
  ])('a burst larger than the read-ahead limit reaches a slow reader whole (%s)', async (_what, options) => {
    const count = 12_000;
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        for (let i = 0; i < count; i++) ctx.send(stdout(`${i}\n`));
        ctx.send({ type: 'complete', success: true });
      },
    });
    const session = await streamExecution(agent(), { code: 'for i in range(12000): print(i)' }, options);
    let next = 0;
    let last: string | undefined;
    let error: unknown;
    try {
      for await (const message of session) {
        last = message.type;
        if (message.type !== 'stdout') continue;
        if (message.data !== `${next}\n`) throw new Error(`frame ${next} arrived as ${JSON.stringify(message.data)}`);
        next++;
        // A slow reader: a pause every 1 000 messages (about 0.7 s in all).
        if (next % 1_000 === 0) await new Promise((resolve) => setTimeout(resolve, 60));
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeUndefined();
    expect(next).toBe(count);
    expect(last).toBe('complete');
  });
});

/** A TCP server that accepts connections and never answers: an upgrade that hangs. */
async function startStalledServer(): Promise<{ url: string }> {
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  );
  const address = tcp.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}` };
}
