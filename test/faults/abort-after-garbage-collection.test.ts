// A body that waits for data still ends on the caller's signal, on close() and on the idle timeout
// after garbage collection ran. undici passes an abort to a request only while its Request object
// lives; the transport used to drop that object once the head arrived, so a long event stream
// could no longer be closed once a collection had run (found by the conformance run, which closed
// its event stream after a minute of other work, and hung).
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, HopxAbortError, HopxTimeoutError, streamSandboxEvents } from '../../src/index.js';
import { collectGarbage, within } from '../support/garbage-collection.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

/** An event stream that sends one comment and then nothing, for ever. */
const stalledStream = () =>
  startScriptedServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
  });

describe('after garbage collection', () => {
  it("the caller's signal ends a body that waits for data", async () => {
    server = await stalledStream();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 });
    const caller = new AbortController();
    const { response } = await hopx.GET('/v1/sandboxes/stream', { parseAs: 'stream', signal: caller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const next = reader.read().catch((error: unknown) => error);
    await collectGarbage();
    caller.abort();
    expect(await within(next, 2_000)).toBeInstanceOf(HopxAbortError);
  });

  it('the idle timeout ends a body that waits for data', async () => {
    server = await stalledStream();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0, timeout: 300 });
    const { response } = await hopx.GET('/v1/sandboxes/stream', { parseAs: 'stream' });
    const reader = response.body!.getReader();
    await reader.read();
    const next = reader.read().catch((error: unknown) => error);
    await collectGarbage();
    expect(await within(next, 2_000)).toBeInstanceOf(HopxTimeoutError);
  });

  it('close() ends an event stream', async () => {
    server = await stalledStream();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 });
    const events = streamSandboxEvents(hopx);
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
