// Aborting an event stream's signal ends it at once: the next next() rejects with HopxAbortError,
// even when events the stream already read (in the same chunk as the last one delivered) are
// still waiting to be handed out. It used to hand them out first (found by the soak test: 112
// events delivered after the caller's abort in one run), which a caller who aborted because it
// wants nothing more cannot tell from new events.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createControlPlaneClient,
  HopxAbortError,
  openEventStream,
  type ServerSentEvent,
  streamSandboxEvents,
} from '../../src/index.js';
import { type StreamServer, startStreamServer } from '../support/stream-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Five sandbox events in one write (one chunk), then nothing. */
async function fiveEventsInOneChunk(): Promise<StreamServer> {
  return startStreamServer({
    sse: (ctx) => {
      ctx.sendMany(
        [1, 2, 3, 4, 5].map((n) => ({
          id: `e${n}`,
          event: 'sandbox.created',
          data: { id: `e${n}`, type: 'sandbox.created', sandbox_id: `sbx${n}`, timestamp: '2025-10-21T12:02:11Z' },
        })),
      );
    },
  });
}

/** Reads `events`, aborting `controller` after the first event; what was delivered and how it ended. */
async function abortAfterFirst(events: AsyncIterable<ServerSentEvent<unknown>>, controller: AbortController) {
  const delivered: (string | undefined)[] = [];
  try {
    for await (const event of events) {
      delivered.push(event.id);
      controller.abort();
    }
    return { delivered, ended: 'done' as unknown };
  } catch (error) {
    return { delivered, ended: error };
  }
}

describe('aborting in the middle of a chunk', () => {
  it('streamSandboxEvents: no event is delivered after the abort, and the stream ends with HopxAbortError', async () => {
    server = await fiveEventsInOneChunk();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const controller = new AbortController();
    const { delivered, ended } = await abortAfterFirst(
      streamSandboxEvents(hopx, { signal: controller.signal }),
      controller,
    );
    expect(delivered).toEqual(['e1']);
    expect(ended).toBeInstanceOf(HopxAbortError);
  });

  it('openEventStream: the same for any connect', async () => {
    const chunk = new TextEncoder().encode(['a', 'b', 'c'].map((id) => `id: ${id}\ndata: {}\n\n`).join(''));
    const controller = new AbortController();
    const events = openEventStream<object>(
      'test stream',
      async () =>
        new ReadableStream({
          start(stream) {
            stream.enqueue(chunk);
            stream.close();
          },
        }),
      { signal: controller.signal },
    );
    const { delivered, ended } = await abortAfterFirst(events, controller);
    expect(delivered).toEqual(['a']);
    expect(ended).toBeInstanceOf(HopxAbortError);
  });
});
