// openEventStream delivers the events parsed from one chunk from a batch, without a network read in
// between. What that must not change, over bodies held in memory: a drop in the middle of an event
// after many whole ones resumes after the last one delivered and drops what the server replays;
// leaving, closing, the event isLast marks and data that is not JSON, each in the middle of a
// batch, deliver nothing more and cancel the body at once; next() called again before the previous
// one settled still hands out every event once, in order.
import { describe, expect, it } from 'vitest';
import {
  HopxConnectionError,
  HopxResponseFormatError,
  openEventStream,
  type ServerSentEvent,
} from '../../src/index.js';

const encoder = new TextEncoder();
const eventText = (n: number) => `id: e${n}\nevent: tick\ndata: {"n":${n}}\n\n`;
const eventsText = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => eventText(from + i)).join('');

/** A body that hands out `chunks` one read at a time, then ends or, with `drop`, fails as a lost connection does. */
function body(chunks: string[], end: 'close' | 'drop' = 'close') {
  let next = 0;
  const seen = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
        else if (end === 'drop')
          controller.error(new HopxConnectionError('connection lost while reading the response'));
        else controller.close();
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

/** A connect serving the given bodies in turn, then 204 (the stream ends); it notes each Last-Event-ID. */
function serving(...bodies: ReturnType<typeof body>[]) {
  const asked: (string | undefined)[] = [];
  const connect = async (lastEventId: string | undefined) => {
    asked.push(lastEventId);
    return bodies[asked.length - 1]?.stream ?? null;
  };
  return { connect, asked };
}

const ids = (events: ServerSentEvent<unknown>[]) => events.map((event) => event.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

describe('events delivered from a batch', () => {
  it('many events in one chunk, then a drop mid-event: resumed after the last whole one, the replay dropped', async () => {
    const first = body([eventsText(1, 50) + eventText(51).slice(0, 20)], 'drop');
    // The server ignores Last-Event-ID and replays from event 30.
    const second = body([eventsText(30, 45), eventsText(46, 60)]);
    const { connect, asked } = serving(first, second);
    const stream = openEventStream<{ n: number }>('stream', connect, { reconnectDelay: 0 });
    const events: ServerSentEvent<{ n: number }>[] = [];
    for await (const event of stream) events.push(event);

    expect(ids(events)).toEqual(range(1, 60));
    expect(events.map((event) => event.data.n)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(asked).toEqual([undefined, 'e50', 'e60']);
    expect(stream.lastEventId).toBe('e60');
  });

  it('leaving the loop mid-batch cancels the body at once and connects no more', async () => {
    const only = body([eventsText(1, 20), eventsText(21, 40)]);
    const { connect, asked } = serving(only);
    const stream = openEventStream('stream', connect);
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.id!);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual(range(1, 5));
    expect(only.seen.cancelled).toBe(true);
    expect(stream.lastEventId).toBe('e5');
    expect(await stream[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(asked).toHaveLength(1);
  });

  it('close() mid-batch: the events left in the batch are not delivered', async () => {
    const only = body([eventsText(1, 20)]);
    const stream = openEventStream('stream', serving(only).connect);
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.id).toBe('e1');
    stream.close();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(only.seen.cancelled).toBe(true);
  });

  it('the event isLast marks, mid-batch, is the last one: the body is cancelled before the next read', async () => {
    const only = body([eventsText(1, 20), eventsText(21, 40)]);
    const { connect, asked } = serving(only);
    const stream = openEventStream<{ n: number }>('stream', connect, {}, (data) => data.n === 7);
    const events = [];
    for await (const event of stream) {
      events.push(event.id);
      if (event.id === 'e7') expect(only.seen.cancelled).toBe(true);
    }
    expect(events).toEqual(range(1, 7));
    expect(asked).toHaveLength(1);
  });

  it('data that is not JSON mid-batch: the events before it, then HopxResponseFormatError, then done', async () => {
    const only = body([`${eventsText(1, 3)}id: e4\ndata: {oops\n\n${eventsText(5, 6)}`]);
    const stream = openEventStream('stream', serving(only).connect);
    const iterator = stream[Symbol.asyncIterator]();
    const delivered = [];
    let failure: unknown;
    for (;;) {
      try {
        const next = await iterator.next();
        if (next.done) break;
        delivered.push(next.value.id);
      } catch (error) {
        failure = error;
        break;
      }
    }
    expect(delivered).toEqual(range(1, 3));
    expect(failure).toBeInstanceOf(HopxResponseFormatError);
    expect((failure as Error).message).toContain('event e4');
    expect(stream.lastEventId).toBe('e3');
    expect(only.seen.cancelled).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('next() called again before the previous one settled: every event once, in order, then done', async () => {
    const first = body([eventsText(1, 3), eventText(4).slice(0, 5), eventText(4).slice(5) + eventsText(5, 8)], 'drop');
    const second = body([eventsText(6, 10)]);
    const stream = openEventStream('stream', serving(first, second).connect, { reconnectDelay: 0 });
    const iterator = stream[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 12 }, () => iterator.next()));
    expect(results.slice(0, 10).map((result) => result.value?.id)).toEqual(range(1, 10));
    expect(results.slice(10)).toEqual([
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
  });
});

// Found by the property test of any bytes in any cuts (test/unit/properties/sse-parsing.test.ts):
// eventsource-parser can lose a CR that ends a chunk; the stream holds such a CR for the next one.
describe('a CR line end that a chunk boundary follows', () => {
  it.each([
    ['a CR-only blank line', ['data: {"n":1}\r', '\r', 'data: {"n":2}\r\r']],
    ['CR line ends, cut after each', ['id: e1\r', 'data: {"n":1}\r', '\r', 'id: e2\r', 'data: {"n":2}\r', '\r']],
    ['CRLF cut between CR and LF', ['data: {"n":1}\r', '\n\r', '\ndata: {"n":2}\r\n\r\n']],
  ])('%s ends its line as it does in one chunk', async (_what, chunks) => {
    const whole = openEventStream<{ n: number }>('whole', serving(body([chunks.join('')])).connect, {
      reconnectDelay: 1,
    });
    const cut = openEventStream<{ n: number }>('cut', serving(body(chunks)).connect, { reconnectDelay: 1 });
    const data = async (stream: AsyncIterable<ServerSentEvent<{ n: number }>>) => {
      const seen: number[] = [];
      for await (const event of stream) seen.push(event.data.n);
      return seen;
    };
    expect(await data(cut)).toEqual([1, 2]);
    expect(await data(whole)).toEqual([1, 2]);
  });

  it('the counterexample: a CR alone between "data:\\n" and more data is a blank line, an event of empty data', async () => {
    const chunks = [...'data:\n\rdata:'];
    const stream = openEventStream('cut', serving(body(chunks)).connect, { reconnectDelay: 1 });
    const error = await (async () => {
      for await (const _event of stream) {
        // no event is expected: its data, "", is not JSON
      }
    })().catch((e) => e);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
  });
});
