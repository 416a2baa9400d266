// Properties of the Server-Sent Events path (openEventStream over a body that arrives in pieces):
// a valid stream yields exactly its events, in order, however the network cuts it (inside a UTF-8
// character, between CR and LF, inside a field name); any bytes at all yield events or a typed
// HopxError, the same ones whatever the cuts, never another error, a hang or a stray rejection.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HopxConnectionError, HopxError, HopxResponseFormatError, openEventStream } from '../../../src/index.js';
import { cut } from './chunking.js';
import { collectStrayFailures, stopCollectingStrayFailures, takeStrayFailures, within } from './run-guard.js';

const RUN_LIMIT_MS = 2_000;

beforeAll(collectStrayFailures);
afterAll(stopCollectingStrayFailures);

const encoder = new TextEncoder();

// --- building streams -------------------------------------------------------------------------

/** What a consumer must see for one event. */
interface ExpectedEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

interface ValidStream {
  bytes: Uint8Array;
  /** Every dispatched event, before openEventStream drops ids it already delivered. */
  events: ExpectedEvent[];
}

const lineEnd = fc.constantFrom('\n', '\r', '\r\n');
/** A field value: any text without a line break (a break would end the line). */
const fieldText = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '\u00e9'));
/** `name: value` or `name:value`; only the form with a space keeps a value that starts with one. */
const field = (name: string, value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.boolean()).map(([v, spaced]) => `${name}:${spaced || v.startsWith(' ') ? ' ' : ''}${v}`);

/** Lines that dispatch nothing and change nothing a consumer sees. */
const inertLine = fc.oneof(
  fieldText.map((text) => `:${text}`), // a comment (servers send them as heartbeats)
  field('retry', fc.integer({ min: 0, max: 3 }).map(String)), // kept tiny: it is the wait before reconnecting
  field('retry', fc.constantFrom('soon', '', '-1', '1.5')), // ignored
  field(
    'x-unknown',
    fieldText.filter((v) => !v.includes('\0')),
  ), // an unknown field is ignored
);

const jsonData = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'binary' })
  .chain((value) => fc.boolean().map((pretty) => ({ value, text: JSON.stringify(value, null, pretty ? 2 : 0) })));

const oneEvent = fc
  .record({
    id: fc.option(fieldText, { nil: undefined }),
    event: fc.option(fieldText, { nil: undefined }),
    data: jsonData,
    extras: fc.array(fc.tuple(inertLine, fc.nat()), { maxLength: 3 }),
    idAt: fc.nat(),
    eventAt: fc.nat(),
  })
  .map(({ id, event, data, extras, idAt, eventAt }) => {
    // data: lines in order; the other fields and inert lines anywhere among them.
    const lines = data.text.split('\n').map((line) => `data:${line.startsWith(' ') ? ' ' : ''}${line}`);
    const insert = (line: string, at: number) => lines.splice(at % (lines.length + 1), 0, line);
    for (const [line, at] of extras) insert(line, at);
    if (id !== undefined) insert(`id: ${id}`, idAt);
    if (event !== undefined) insert(`event: ${event}`, eventAt);
    const expected: ExpectedEvent = {
      // An id holding NUL is ignored (WHATWG); an empty event name is the default name.
      id: id === undefined || id.includes('\0') ? undefined : id,
      event: event || 'message',
      data: JSON.parse(data.text),
    };
    return { lines, expected };
  });

/** Events and inert blocks (comments, retry) in any order, each line ended by LF, CR or CRLF. */
const validStream: fc.Arbitrary<ValidStream> = fc
  .record({
    bom: fc.boolean(),
    blocks: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: oneEvent },
        { weight: 1, arbitrary: inertLine.map((line) => ({ lines: [line], expected: undefined })) },
      ),
      { maxLength: 8 },
    ),
    ends: fc.array(lineEnd, { minLength: 1, maxLength: 8 }),
  })
  .map(({ bom, blocks, ends }) => {
    let text = bom ? '\uFEFF' : '';
    let n = 0;
    const eol = () => ends[n++ % ends.length]!;
    // After a lone CR, a blank line ended by LF would read as one CRLF: end it with CR or CRLF.
    const blankLine = () => {
      const end = eol();
      return text.endsWith('\r') && end === '\n' ? '\r\n' : end;
    };
    const events: ExpectedEvent[] = [];
    for (const { lines, expected } of blocks) {
      for (const line of lines) text += line + eol();
      text += blankLine(); // the blank line that dispatches the event
      if (expected) events.push(expected);
    }
    return { bytes: encoder.encode(text), events };
  });

/** What openEventStream delivers of `events`: an id already delivered is a replay and is dropped. */
function withoutReplays(events: ExpectedEvent[]): ExpectedEvent[] {
  const seen = new Set<string>();
  return events.filter(({ id }) => {
    if (id === undefined) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Where the network cuts the bytes: at every byte, or at any positions (empty chunks included). */
const cuts = fc.oneof(
  { weight: 1, arbitrary: fc.constant('every byte' as const) },
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 40 }) },
);

// --- running a stream -------------------------------------------------------------------------

/** A body that hands out one chunk per read, as a network read would. */
function bodyOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]!.slice());
      else controller.close();
    },
  });
}

interface Outcome {
  events: ExpectedEvent[];
  /** undefined: the iteration ended normally. */
  error: unknown;
  lastEventId: string | undefined;
  /** The Last-Event-ID each connection was opened with. */
  connections: (string | undefined)[];
}

/**
 * Opens a stream whose first connection serves `chunks`, the second `again` if given, and any later
 * one answers 204 (`null`: the stream ends). (A server that keeps sending new events on every
 * connection is a stream that never ends, by design: only reconnects without a new event count.)
 */
async function run(
  chunks: Uint8Array[],
  options: { maxReconnects: number; again?: Uint8Array[]; stopAfter?: number },
): Promise<Outcome> {
  const connections: (string | undefined)[] = [];
  const connect = async (lastEventId: string | undefined) => {
    connections.push(lastEventId);
    if (connections.length === 1) return bodyOf(chunks);
    if (connections.length === 2 && options.again) return bodyOf(options.again);
    return null;
  };
  let delivered = 0;
  const stream = openEventStream<unknown>(
    'property stream',
    connect,
    { maxReconnects: options.maxReconnects, reconnectDelay: 0, idleTimeout: RUN_LIMIT_MS },
    () => ++delivered === options.stopAfter,
  );
  const events: ExpectedEvent[] = [];
  let error: unknown;
  try {
    for await (const { id, event, data } of stream) events.push({ id, event, data });
  } catch (caught) {
    error = caught;
  }
  return { events, error, lastEventId: stream.lastEventId, connections };
}

async function bounded(work: Promise<Outcome>): Promise<Outcome> {
  const outcome = await within(RUN_LIMIT_MS, work);
  expect(outcome, `the stream did not end within ${RUN_LIMIT_MS} ms`).not.toBe('timed out');
  expect(await takeStrayFailures()).toEqual([]);
  return outcome as Outcome;
}

// --- properties -------------------------------------------------------------------------------

describe('a valid event stream', () => {
  it('yields exactly its events, in order, then ends, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(validStream, cuts, async (stream, at) => {
        const outcome = await bounded(run(cut(stream.bytes, at), { maxReconnects: 1 }));
        const expected = withoutReplays(stream.events);
        expect(outcome.error).toBeUndefined();
        expect(outcome.events).toEqual(expected);
        // The reconnect after the body ended resumes after the last event delivered (then gets 204).
        const lastId = expected.findLast((e) => e.id !== undefined)?.id;
        expect(outcome.lastEventId).toBe(lastId);
        expect(outcome.connections).toEqual([undefined, lastId]);
      }),
      { numRuns: 400 },
    );
  });

  it('ends right after the event isLast marks, on one connection', async () => {
    await fc.assert(
      fc.asyncProperty(
        validStream.filter((s) => withoutReplays(s.events).length > 0),
        cuts,
        fc.nat(),
        async (stream, at, pick) => {
          const expected = withoutReplays(stream.events);
          const stopAfter = (pick % expected.length) + 1;
          const outcome = await bounded(run(cut(stream.bytes, at), { maxReconnects: 1, stopAfter }));
          expect(outcome.error).toBeUndefined();
          expect(outcome.events).toEqual(expected.slice(0, stopAfter));
          expect(outcome.connections).toHaveLength(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('any bytes at all', () => {
  const piece = (text: string) => encoder.encode(text);
  /** Random bytes mixed with the pieces a parser trips on: field names, line ends, broken UTF-8. */
  const fragment = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 24 }) },
    {
      weight: 5,
      arbitrary: fc.constantFrom(
        piece('data:'),
        piece('data: '),
        piece('id: '),
        piece('event: '),
        piece('retry: 1'),
        piece(':'),
        piece('\n'),
        piece('\r'),
        piece('\r\n'),
        piece('\n\n'),
        piece('{'),
        piece('}'),
        piece('"'),
        piece('data: {"a":1}\n\n'),
        piece('data: not json\n\n'),
        piece('\uFEFF'),
        piece('é€😀'),
        piece('\0'),
        new Uint8Array([0x80]), // a continuation byte with no start
        new Uint8Array([0xf0, 0x9f]), // a 4-byte character cut short
        new Uint8Array([0xff, 0xfe]),
      ),
    },
  );
  const garbage = fc.array(fragment, { maxLength: 30 }).map((parts) => {
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return bytes;
  });

  it('yield events or a typed HopxError, the same whatever the cuts', async () => {
    await fc.assert(
      fc.asyncProperty(
        garbage,
        cuts,
        fc.constantFrom(0, 1),
        fc.boolean(),
        async (bytes, at, maxReconnects, serveAgain) => {
          const options = { maxReconnects, again: serveAgain ? cut(bytes, at) : undefined };
          const outcome = await bounded(run(cut(bytes, at), options));
          const whole = await bounded(run([bytes], options));
          if (outcome.error !== undefined) {
            expect(outcome.error).toBeInstanceOf(HopxError);
            // Only two things end such a stream: data that is not JSON, or a server that keeps ending it.
            expect([HopxResponseFormatError, HopxConnectionError]).toContain((outcome.error as HopxError).constructor);
          }
          for (const event of outcome.events) {
            expect(event.id === undefined || typeof event.id === 'string').toBe(true);
            expect(typeof event.event).toBe('string');
          }
          expect(outcome.events).toEqual(whole.events);
          expect((outcome.error as Error | undefined)?.constructor).toBe(
            (whole.error as Error | undefined)?.constructor,
          );
          expect((outcome.error as Error | undefined)?.message).toBe((whole.error as Error | undefined)?.message);
        },
      ),
      { numRuns: 400 },
    );
  });
});
