// The idle timeout and the caller's signal end a call even when the client's `fetch` is a wrapper
// that copies the request into a new Request (most fetch wrappers do), after garbage collection ran.
// undici passes an abort from one Request to the next only while the first object lives
// (nodejs/undici#4068): the wrapper's Request is garbage once it was handed on, so the attempt's
// abort no longer reached the real fetch and the call waited for ever (found by the soak test,
// whose scripted fetch was such a wrapper: a stalled call never timed out).
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, HopxAbortError, HopxTimeoutError, streamSandboxEvents } from '../../src/index.js';
import { collectGarbage, within } from '../support/garbage-collection.js';
import { type RawServer, startRawServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: RawServer;
afterEach(() => server?.close());

/** A fetch wrapper as people write them: a new Request from what it was given, then the real fetch. */
const wrappingFetch: typeof fetch = (input, init) => fetch(new Request(new Request(input, init)));

/** Never answers. */
const silentServer = () => startRawServer(() => {});

/** Answers a JSON head and half a body, then nothing. */
const stalledBodyServer = () =>
  startRawServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"id":');
  });

/** An event stream that sends one comment and then nothing. */
const stalledStreamServer = () =>
  startRawServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
  });

const client = (timeout = 60_000) =>
  createControlPlaneClient({ apiKey, baseUrl: server.url, fetch: wrappingFetch, maxRetries: 0, timeout });

describe('a wrapping fetch, after garbage collection', () => {
  it('the idle timeout ends a call that gets no response head', async () => {
    server = await silentServer();
    const call = client(300)
      .GET('/v1/sandboxes/{id}', { params: { path: { id: 'sbx' } } })
      .catch((error: unknown) => error);
    await collectGarbage();
    expect(await within(call, 3_000)).toBeInstanceOf(HopxTimeoutError);
  });

  it("the caller's signal ends a call that gets no response head", async () => {
    server = await silentServer();
    const caller = new AbortController();
    const call = client()
      .GET('/v1/sandboxes/{id}', { params: { path: { id: 'sbx' } }, signal: caller.signal })
      .catch((error: unknown) => error);
    await collectGarbage();
    caller.abort();
    expect(await within(call, 2_000)).toBeInstanceOf(HopxAbortError);
  });

  it('the idle timeout ends a JSON body that stops half way', async () => {
    server = await stalledBodyServer();
    const call = client(300)
      .GET('/v1/sandboxes/{id}', { params: { path: { id: 'sbx' } } })
      .catch((error: unknown) => error);
    await collectGarbage();
    const error = await within(call, 3_000);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect((error as HopxTimeoutError).message).toMatch(/while reading the response/);
  });

  it("the caller's signal ends a streamed body that waits for data", async () => {
    server = await stalledStreamServer();
    const caller = new AbortController();
    const { response } = await client().GET('/v1/sandboxes/stream', { parseAs: 'stream', signal: caller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const next = reader.read().catch((error: unknown) => error);
    await collectGarbage();
    caller.abort();
    expect(await within(next, 2_000)).toBeInstanceOf(HopxAbortError);
  });

  it('close() ends an event stream', async () => {
    server = await stalledStreamServer();
    const events = streamSandboxEvents(client());
    const reading = (async () => {
      for await (const _event of events) {
        // none arrive
      }
      return 'ended';
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await collectGarbage();
    events.close();
    expect(await within(reading, 2_000)).toBe('ended');
  });
});
