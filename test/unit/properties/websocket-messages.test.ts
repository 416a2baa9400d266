// Properties of the agent's WebSocket sessions (src/streams/agent-socket.ts and the helpers of
// agent-streams.ts), against a loopback server that writes the frames itself, byte by byte: after a
// real upgrade, any frames (valid messages, messages of the wrong shape, arbitrary text and JSON,
// binary, fragmented, huge, pings, any close code and reason, a cut at any point) written in any
// chunks give exactly the valid messages, in order, and then either the normal end (the route's last
// message) or one typed HopxError that says what happened; never another error, a hang or a stray
// rejection. What a valid message is comes from the spec's own schemas (ajv), not from the client.
import { Buffer, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketFinalMessage, socketServerMessages } from '../../../generated/operations.js';
import {
  type AgentClient,
  createAgentClient,
  HopxAbortError,
  HopxConnectionError,
  HopxError,
  HopxResponseFormatError,
  HopxStreamClosedError,
  HopxStreamError,
  openAgentSocket,
  openTerminal,
  runCode,
  streamExecution,
  watchFiles,
} from '../../../src/index.js';
import { socketSchemas } from '../../support/spec-schemas.js';
import { cut } from './chunking.js';
import { collectStrayFailures, stopCollectingStrayFailures, takeStrayFailures, within } from './run-guard.js';

/** Generous: a run takes milliseconds; only a session that never ends gets near it. */
const RUN_LIMIT_MS = 5_000;
/** Never reached by a run (the watchdog fires first): silence must not be what ends a session here. */
const SESSION_OPTIONS = { idleTimeout: 60_000, pingInterval: 0 };

type Route = '/execute/stream' | '/commands/stream' | '/terminal' | '/files/watch';

// --- the loopback server ---------------------------------------------------------------------

/** What the server writes on the next connection, once the client has sent its first message. */
let script: ((socket: Socket) => Promise<void>) | undefined;
const connections = new Set<Socket>();
let server: Server;
let agent: AgentClient;

beforeAll(async () => {
  collectStrayFailures();
  server = createServer((_request, response) => response.writeHead(404).end());
  server.on('upgrade', (request, socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    socket.on('error', () => {}); // the client may reset the connection while we write
    socket.on('end', () => socket.destroy()); // the client hung up (after its close frame)
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const play = script;
    // The client's first message (execute, watch, resize) has arrived: the session is open.
    socket.once('data', () => void play?.(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  agent = createAgentClient({
    sandbox: { id: '1761048129dsaqav4n', public_host: `http://127.0.0.1:${port}`, auth_token: 'jwt.payload.sig' },
  });
});

afterAll(async () => {
  stopCollectingStrayFailures();
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes `chunks` one per turn of the event loop, then ends the connection (FIN, a reset) or leaves it open. */
function writer(chunks: Uint8Array[], end: 'fin' | 'reset' | 'open') {
  return async (socket: Socket) => {
    for (const chunk of chunks) {
      if (socket.destroyed) return;
      socket.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (socket.destroyed) return;
    if (end === 'fin') socket.end();
    else if (end === 'reset') socket.resetAndDestroy();
  };
}

/** Runs `drive` against a server writing `chunks`; fails on a hang or a stray failure. */
async function session<T>(chunks: Uint8Array[], end: 'fin' | 'reset' | 'open', drive: () => Promise<T>): Promise<T> {
  script = writer(chunks, end);
  try {
    const outcome = await within(RUN_LIMIT_MS, drive());
    expect(outcome, `the session did not end within ${RUN_LIMIT_MS} ms`).not.toBe('timed out');
    return outcome as T;
  } finally {
    script = undefined;
    for (const socket of connections) socket.destroy();
    expect(await takeStrayFailures()).toEqual([]);
  }
}

// --- frames, as bytes --------------------------------------------------------------------------

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** One server frame (never masked), with the shortest length encoding. */
function frameBytes(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const first = (fin ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (payload.length < 126) head = Buffer.from([first, payload.length]);
  else if (payload.length < 65_536) head = Buffer.from([first, 126, payload.length >> 8, payload.length & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([head, payload]);
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** A frame as the property sees it: its bytes, and what a client must make of it. */
type Frame =
  | { kind: 'message'; opcode: typeof TEXT | typeof BINARY; payload: Uint8Array; cuts: number[]; pings: boolean }
  | { kind: 'control'; opcode: typeof PING | typeof PONG | typeof CLOSE; payload: Uint8Array }
  /** A header announcing more than the client accepts in one message (ws: 100 MiB), and nothing after. */
  | { kind: 'oversized'; length: bigint };

function bytesOf(frame: Frame): Uint8Array {
  if (frame.kind === 'control') return frameBytes(frame.opcode, frame.payload);
  if (frame.kind === 'oversized') {
    const head = Buffer.alloc(10);
    head[0] = 0x80 | BINARY;
    head[1] = 127;
    head.writeBigUInt64BE(frame.length, 2);
    return head;
  }
  // Fragmented: the first frame has the opcode, the others are continuations; pings may come between.
  const points = [...new Set(frame.cuts.map((c) => c % (frame.payload.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, frame.payload.length]) {
    pieces.push(frame.payload.subarray(from, point));
    from = point;
  }
  const parts: Uint8Array[] = [];
  pieces.forEach((piece, i) => {
    if (i > 0 && frame.pings) parts.push(frameBytes(PING, utf8(`p${i}`)));
    parts.push(frameBytes(i === 0 ? frame.opcode : 0, piece, i === pieces.length - 1));
  });
  return Buffer.concat(parts);
}

/** Where the network cuts the bytes: anywhere (empty chunks included), or at every byte of a small stream. */
const cutsArbitrary = fc.oneof(
  { weight: 1, arbitrary: fc.constant('every byte' as const) },
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 24 }) },
);

// --- messages ------------------------------------------------------------------------------------

const timestamp = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const text = fc.string({ unit: 'binary', maxLength: 24 });
const code = fc.oneof(
  fc.constantFrom('EXECUTION_TIMEOUT', 'PATH_NOT_ALLOWED', 'INTERNAL_ERROR'),
  fc.constantFrom('constructor', 'toString', '__proto__', ''),
  text,
);
/** Any JSON value, including the names every object inherits as keys. */
const awkwardJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom({ toString: 1 }, JSON.parse('{"__proto__":{"type":"stdout"}}'), [], {}, null, 1.5, -1, '', true),
);

const record = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[]) =>
  fc.record(fields, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;

const stdio = (type: 'stdout' | 'stderr') =>
  record({ type: fc.constant(type), data: text, timestamp }, ['type', 'data']);
const result = record(
  {
    type: fc.constant('result'),
    exit_code: fc.integer({ min: -255, max: 255 }),
    execution_time: fc.double({ min: 0, max: 1e6, noNaN: true }),
    timestamp,
  },
  ['type', 'exit_code'],
);
const complete = fc.record({ type: fc.constant('complete'), success: fc.boolean() });
const errorMessage = record({ type: fc.constant('error'), error: text, code, timestamp }, ['type', 'error']);

/** Valid server messages of each route (the last one of a route weighs less, so streams go on). */
const validMessage: Record<Route, fc.Arbitrary<Record<string, unknown>>> = {
  '/execute/stream': fc.oneof(
    { weight: 4, arbitrary: stdio('stdout') },
    { weight: 2, arbitrary: stdio('stderr') },
    { weight: 1, arbitrary: result },
    { weight: 1, arbitrary: complete },
  ),
  '/commands/stream': fc.oneof(
    { weight: 4, arbitrary: stdio('stdout') },
    { weight: 2, arbitrary: stdio('stderr') },
    { weight: 1, arbitrary: record({ type: fc.constant('exit'), exit_code: fc.integer(), timestamp }, ['type']) },
    { weight: 1, arbitrary: complete },
  ),
  '/terminal': fc.oneof(
    { weight: 6, arbitrary: record({ type: fc.constant('output'), data: text }, ['type']) },
    {
      weight: 1,
      arbitrary: record({ type: fc.constant('exit'), code: fc.integer({ min: 0, max: 255 }), exitCode: fc.integer() }, [
        'type',
      ]),
    },
  ),
  '/files/watch': record(
    {
      type: fc.constant('change'),
      path: text,
      event: fc.constantFrom('created', 'modified', 'deleted', 'renamed'),
      timestamp,
    },
    ['type', 'path', 'event', 'timestamp'],
  ),
};

/** A valid message with one field gone, given another type, or added. */
const mutated = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(
      valid,
      fc.constantFrom(
        'data',
        'exit_code',
        'execution_time',
        'success',
        'code',
        'exitCode',
        'path',
        'event',
        'timestamp',
      ),
      fc.option(awkwardJson, { nil: undefined }),
    )
    .map(([message, field, value]) => {
      const copy: Record<string, unknown> = { ...message };
      if (value === undefined) delete copy[field];
      else copy[field] = value;
      return copy;
    });

/** The text of a frame on `route`: mostly its messages, and anything else a server might send. */
const frameText = (route: Route) =>
  fc.oneof(
    { weight: 30, arbitrary: validMessage[route].map((m) => JSON.stringify(m)) },
    { weight: 3, arbitrary: mutated(validMessage[route]).map((m) => JSON.stringify(m)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validMessage[route], fc.constantFrom('constructor', 'toString', '__proto__', 'display', 'progress', ''))
        .map(([m, type]) => JSON.stringify({ ...m, type })),
    },
    { weight: 1, arbitrary: errorMessage.map((m) => JSON.stringify(m)) },
    {
      weight: 1,
      arbitrary: record({ type: fc.constant('error'), error: awkwardJson, code: awkwardJson }, ['type']).map((m) =>
        JSON.stringify(m),
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: text },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '\n',
        '\t \r\n',
        '\uFEFF',
        'null',
        '[]',
        '{}',
        '{"type":5}',
        '{"type":"stdout","data":"x"',
        'NaN',
        '{"type":"__proto__"}',
        '{"__proto__":{"type":"stdout","data":"x"}}',
      ),
    },
    // Huge: past the 16-bit length, a few MiB at most.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 70_000, max: 1_500_000 }), fc.constantFrom('x', 'é', '😀'))
        .map(([n, char]) =>
          JSON.stringify(
            route === '/terminal'
              ? { type: 'output', data: char.repeat(n / char.length) }
              : route === '/files/watch'
                ? {
                    type: 'change',
                    path: char.repeat(n / char.length),
                    event: 'created',
                    timestamp: '2025-10-21T12:02:11Z',
                  }
                : { type: 'stdout', data: char.repeat(n / char.length) },
          ),
        ),
    },
  );

const validCloseCode = fc.oneof(
  fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014),
  fc.integer({ min: 3000, max: 4999 }),
);

const frameArbitrary = (route: Route): fc.Arbitrary<Frame> =>
  fc.oneof(
    {
      weight: 40,
      arbitrary: fc
        .record({
          text: frameText(route),
          binary: fc.constantFrom(false, false, false, true),
          cuts: fc.oneof(fc.constant<number[]>([]), fc.array(fc.nat(), { maxLength: 3 })),
          pings: fc.boolean(),
        })
        .map(
          ({ text, binary, cuts, pings }): Frame => ({
            kind: 'message',
            opcode: binary ? BINARY : TEXT,
            payload: utf8(text),
            cuts,
            pings,
          }),
        ),
    },
    // Bytes that are not UTF-8 (a text frame must be; a binary frame is read as UTF-8 anyway).
    {
      weight: 1,
      arbitrary: fc.record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }), binary: fc.boolean() }).map(
        ({ bytes, binary }): Frame => ({
          kind: 'message',
          opcode: binary ? BINARY : TEXT,
          payload: Buffer.concat([bytes, Buffer.from([0xff])]),
          cuts: [],
          pings: false,
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ opcode: fc.constantFrom(PING, PONG), payload: fc.uint8Array({ maxLength: 130 }) })
        .map(({ opcode, payload }): Frame => ({ kind: 'control', opcode, payload })),
    },
    // Any close: a valid code and reason, any code, no code, one byte, a reason that is not UTF-8 or too long.
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc
            .tuple(
              fc.oneof(validCloseCode, fc.integer({ min: 0, max: 65_535 })),
              fc.string({ unit: 'binary', maxLength: 45 }),
            )
            .map(([code, reason]) => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), utf8(reason)])),
          fc.uint8Array({ maxLength: 4 }),
          validCloseCode.map((code) => Buffer.from([code >> 8, code & 0xff, 0xc3, 0x28])),
        )
        .map((payload): Frame => ({ kind: 'control', opcode: CLOSE, payload })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(200n * 1024n * 1024n, 2n ** 53n, 2n ** 64n - 1n)
        .map((length): Frame => ({ kind: 'oversized', length })),
    },
  );

// --- what a client must make of the frames (the oracle) -------------------------------------------

type End =
  | { kind: 'normal' }
  | { kind: 'format' } // HopxResponseFormatError: a frame that is not one of the route's messages
  | { kind: 'stream'; message: string | undefined; code: string | undefined } // the server's `error` message
  | { kind: 'closed'; code: number; reason: string } // HopxStreamClosedError
  | { kind: 'connection' }; // HopxConnectionError: the WebSocket protocol broken

interface Expected {
  messages: Record<string, unknown>[];
  end: End;
}

// The spec's schemas without their formats: a timestamp that is not a date-time is still the string
// the message's type promises, and checking formats is not a client's business.
const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../generated/openapi.json', import.meta.url)), 'utf8'),
);
const ajv = new Ajv2020Module.default({ strict: false, validateFormats: false });
ajv.addSchema({ $id: 'openapi.json', components: spec.components });
const validators = Object.fromEntries(
  (Object.keys(validMessage) as Route[]).map((route) => [
    route,
    ajv.compile({ $ref: `openapi.json#/components/schemas/${socketSchemas[route]!.server}` }),
  ]),
) as Record<Route, ValidateFunction>;

const isValidCloseCode = (code: number) =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

/** What one message's text means on `route`: nothing (a keepalive), a message, or the end. */
function meaning(route: Route, text: string): { message: Record<string, unknown> } | { end: End } | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { end: { kind: 'format' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { end: { kind: 'format' } };
  const message = value as Record<string, unknown>;
  if (typeof message.type !== 'string') return { end: { kind: 'format' } };
  if (message.type === 'error') {
    return {
      end: {
        kind: 'stream',
        message: typeof message.error === 'string' ? message.error : undefined,
        code: typeof message.code === 'string' && message.code !== '' ? message.code : undefined,
      },
    };
  }
  // A type the route does not send is passed over (the platform may add one): nothing is delivered.
  if (!Object.hasOwn(socketServerMessages[route], message.type)) return undefined;
  if (!validators[route](message)) return { end: { kind: 'format' } };
  return { message };
}

function expectedOf(route: Route, frames: Frame[]): Expected {
  const messages: Record<string, unknown>[] = [];
  const final = socketFinalMessage[route];
  for (const frame of frames) {
    if (frame.kind === 'oversized') return { messages, end: { kind: 'connection' } };
    if (frame.kind === 'control') {
      if (frame.payload.length > 125) return { messages, end: { kind: 'connection' } };
      if (frame.opcode !== CLOSE) continue;
      if (frame.payload.length === 0) return { messages, end: { kind: 'closed', code: 1005, reason: '' } };
      if (frame.payload.length === 1) return { messages, end: { kind: 'connection' } };
      const code = (frame.payload[0]! << 8) | frame.payload[1]!;
      const reason = frame.payload.subarray(2);
      if (!isValidCloseCode(code) || !isUtf8(reason)) return { messages, end: { kind: 'connection' } };
      return { messages, end: { kind: 'closed', code, reason: Buffer.from(reason).toString('utf8') } };
    }
    if (frame.opcode === TEXT && !isUtf8(frame.payload)) return { messages, end: { kind: 'connection' } };
    const found = meaning(route, Buffer.from(frame.payload).toString('utf8'));
    if (!found) continue;
    if ('end' in found) return { messages, end: found.end };
    messages.push(found.message);
    if (found.message.type === final) return { messages, end: { kind: 'normal' } };
  }
  // The server went away without a close frame: 1006, abnormal closure.
  return { messages, end: { kind: 'closed', code: 1006, reason: '' } };
}

/** Checks that `error` is the typed error `end` calls for (undefined for a normal end). */
function expectEnd(error: unknown, end: End) {
  if (end.kind === 'normal') {
    expect(error).toBeUndefined();
    return;
  }
  expect(error).toBeInstanceOf(HopxError);
  const typed = error as HopxError;
  switch (end.kind) {
    case 'format':
      expect(typed.constructor).toBe(HopxResponseFormatError);
      break;
    case 'stream':
      expect(typed.constructor).toBe(HopxStreamError);
      expect(typed.code).toBe(end.code);
      if (end.message !== undefined) expect(typed.message).toContain(end.message);
      break;
    case 'closed':
      expect(typed.constructor).toBe(HopxStreamClosedError);
      expect((typed as HopxStreamClosedError).closeCode).toBe(end.code);
      expect((typed as HopxStreamClosedError).closeReason).toBe(end.reason);
      break;
    case 'connection':
      expect(typed.constructor).toBe(HopxConnectionError);
      break;
  }
  expect(typeof typed.message).toBe('string');
  expect(typed.operation).toMatch(/^WebSocket \//);
}

// --- driving the sessions ------------------------------------------------------------------------

interface Drained<T> {
  items: T[];
  error: unknown;
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<Drained<T>> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

const streamOf = (route: Route) => fc.array(frameArbitrary(route), { maxLength: 16 });
const bytesOfAll = (frames: Frame[]) => Buffer.concat(frames.map(bytesOf));

describe('a session iterated to its end', () => {
  it.each<[Route, () => Promise<AsyncIterable<unknown>>]>([
    ['/execute/stream', () => streamExecution(agent, { code: 'print(1)' }, SESSION_OPTIONS)],
    [
      '/commands/stream',
      async () => {
        const socket = await openAgentSocket(agent, '/commands/stream', SESSION_OPTIONS);
        socket.send({ type: 'command', command: 'ls' });
        return socket;
      },
    ],
    ['/files/watch', () => watchFiles(agent, '/workspace', SESSION_OPTIONS)],
  ])('%s yields exactly the valid messages in order, then ends or throws the typed error', async (route, open) => {
    await fc.assert(
      fc.asyncProperty(streamOf(route), cutsArbitrary, async (frames, at) => {
        const expected = expectedOf(route, frames);
        const outcome = await session(cut(bytesOfAll(frames), at, 4096), 'fin', async () => drain(await open()));
        expect(outcome.items).toEqual(expected.messages);
        expectEnd(outcome.error, expected.end);
      }),
      { numRuns: 120 },
    );
  });
});

describe('the helpers', () => {
  it('runCode resolves with what was printed after `complete`, or rejects with the typed error', async () => {
    const route = '/execute/stream';
    await fc.assert(
      fc.asyncProperty(streamOf(route), cutsArbitrary, async (frames, at) => {
        const expected = expectedOf(route, frames);
        const printed: string[] = [];
        const outcome = await session(cut(bytesOfAll(frames), at, 4096), 'fin', () =>
          runCode(agent, { code: 'print(1)' }, { ...SESSION_OPTIONS, onStdout: (data) => printed.push(data) }).then(
            (output) => ({ output, error: undefined }),
            (error: unknown) => ({ output: undefined, error }),
          ),
        );
        const stdout = expected.messages.filter((m) => m.type === 'stdout').map((m) => m.data as string);
        expect(printed).toEqual(stdout);
        expectEnd(outcome.error, expected.end);
        if (expected.end.kind === 'normal') {
          const last = expected.messages.findLast((m) => m.type === 'result');
          expect(outcome.output).toEqual({
            stdout: stdout.join(''),
            stderr: expected.messages
              .filter((m) => m.type === 'stderr')
              .map((m) => m.data)
              .join(''),
            exitCode: last?.exit_code,
            executionTime: last?.execution_time,
            success: expected.messages.at(-1)?.success,
          });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('openTerminal hands out the output, then settles exitCode or rejects both with the typed error', async () => {
    const route = '/terminal';
    await fc.assert(
      fc.asyncProperty(streamOf(route), cutsArbitrary, async (frames, at) => {
        const expected = expectedOf(route, frames);
        const outcome = await session(cut(bytesOfAll(frames), at, 4096), 'fin', async () => {
          const terminal = await openTerminal(agent, { ...SESSION_OPTIONS, cols: 80, rows: 24 });
          const output = await drain(terminal.output);
          const exit = await terminal.exitCode.then(
            (code) => ({ code, error: undefined }),
            (error: unknown) => ({ code: undefined, error }),
          );
          return { output, exit };
        });
        const chunks = expected.messages.filter((m) => m.type === 'output' && m.data).map((m) => m.data);
        expect(outcome.output.items).toEqual(chunks);
        expectEnd(outcome.exit.error, expected.end);
        if (expected.end.kind === 'normal') {
          const exit = expected.messages.at(-1)!;
          expect(outcome.exit.code).toBe(exit.code ?? exit.exitCode ?? 0);
          expect(outcome.output.error).toBeUndefined();
        } else {
          expect(outcome.output.error).toBe(outcome.exit.error);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('any bytes after the upgrade', () => {
  /** Random bytes mixed with frames and the pieces of frames a client trips on. */
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 16 }) },
    { weight: 4, arbitrary: frameArbitrary('/execute/stream').map(bytesOf) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        Buffer.from([0x81, 0x05]), // a text frame's head, then whatever follows
        Buffer.from([0x01, 0x02, 0x7b, 0x22]), // a fragment, never finished
        Buffer.from([0x80, 0x01, 0x41]), // a continuation with nothing to continue
        Buffer.from([0xc1, 0x01, 0x41]), // RSV1 without an extension
        Buffer.from([0x83, 0x00]), // a reserved opcode
        Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x41]), // a masked server frame
        Buffer.from([0x09, 0x00]), // a fragmented ping
        Buffer.from([0x81, 0x7e, 0x00, 0x01, 0x41]), // a needlessly long length
        frameBytes(TEXT, utf8('{"type":"complete","success":true}')),
        frameBytes(TEXT, utf8('{"type":"stdout","data":"ok"}')),
      ),
    },
  );
  const garbage = fc.array(piece, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

  it('give valid messages, then the normal end or a typed HopxError, the same whatever the cuts', async () => {
    const route = '/execute/stream';
    const open = async () => drain(await streamExecution(agent, { code: 'print(1)' }, SESSION_OPTIONS));
    await fc.assert(
      fc.asyncProperty(
        garbage,
        cutsArbitrary,
        fc.constantFrom<'fin' | 'reset'>('fin', 'reset'),
        async (bytes, at, end) => {
          const outcome = await session(cut(bytes, at, 4096), end, open);
          for (const item of outcome.items) expect(meaning(route, JSON.stringify(item))).toEqual({ message: item });
          if (outcome.error !== undefined) {
            expect(outcome.error).toBeInstanceOf(HopxError);
            expect([HopxResponseFormatError, HopxStreamError, HopxStreamClosedError, HopxConnectionError]).toContain(
              (outcome.error as HopxError).constructor,
            );
          } else {
            expect((outcome.items.at(-1) as { type?: string } | undefined)?.type).toBe('complete');
          }
          // A reset may lose what was still in flight; an orderly end must not depend on the cuts.
          if (end === 'fin') {
            const whole = await session([bytes], 'fin', open);
            expect(outcome.items).toEqual(whole.items);
            expect((outcome.error as Error | undefined)?.constructor).toBe(
              (whole.error as Error | undefined)?.constructor,
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a caller who stops early', () => {
  /** What of a session this needs, whatever its route. */
  type Stoppable = { close(): void; next(): Promise<IteratorResult<unknown>> } & AsyncIterable<unknown>;
  it.each<[Route, (signal: AbortSignal) => Promise<Stoppable>]>([
    ['/execute/stream', (signal) => streamExecution(agent, { code: 'print(1)' }, { ...SESSION_OPTIONS, signal })],
    ['/files/watch', (signal) => watchFiles(agent, '/workspace', { ...SESSION_OPTIONS, signal })],
  ])('on %s, break, close() or an abort after any message ends the iteration at once', async (route, open) => {
    // The server keeps sending and never closes: only the caller can end these sessions.
    const going = validMessage[route].filter((m) => m.type !== socketFinalMessage[route]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(going, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom('break', 'close', 'abort'),
        cutsArbitrary,
        async (messages, pick, how, at) => {
          const stopAfter = (pick % messages.length) + 1;
          const bytes = Buffer.concat(messages.map((m) => frameBytes(TEXT, utf8(JSON.stringify(m)))));
          const controller = new AbortController();
          const outcome = await session(cut(bytes, at, 4096), 'open', async () => {
            const socket = await open(controller.signal);
            const { items, error } = await drain(
              (async function* () {
                let seen = 0;
                for await (const item of socket) {
                  yield item;
                  if (++seen < stopAfter) continue;
                  if (how === 'break') break;
                  if (how === 'close') socket.close();
                  else controller.abort(new Error('enough'));
                }
              })(),
            );
            // Once ended, it stays ended.
            const after = await socket.next().then(
              (result) => result,
              (caught: unknown) => caught,
            );
            return { items, error, after };
          });
          expect(outcome.items).toEqual(messages.slice(0, stopAfter).map((m) => JSON.parse(JSON.stringify(m))));
          if (how === 'abort') {
            expect(outcome.error).toBeInstanceOf(HopxAbortError);
            expect(outcome.after).toBe(outcome.error);
          } else {
            expect(outcome.error).toBeUndefined();
            expect(outcome.after).toEqual({ done: true, value: undefined });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
