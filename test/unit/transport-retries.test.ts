// The transport's attempts with an injected fetch, clock, random source and sleep: the sequence of
// requests and waits for each kind of answer, with no server and no real waiting.
import { describe, expect, it } from 'vitest';
import { HopxConnectionError, type LogEntry } from '../../src/index.js';
import { createTransport } from '../../src/internal/transport.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

/** A transport whose fetch answers from `script` (one entry per attempt) and whose waits are recorded. */
function scripted(script: Array<() => Response | Error>, options: { maxRetries?: number; log?: LogEntry[] } = {}) {
  const sent: Request[] = [];
  const waits: number[] = [];
  const transport = createTransport({
    fetch: async (input, init) => {
      sent.push(new Request(input, init));
      const next = script[Math.min(sent.length - 1, script.length - 1)]!();
      if (next instanceof Error) throw next;
      return next;
    },
    timeoutMs: 60_000,
    maxRetries: options.maxRetries ?? 2,
    authorize: (headers) => headers.set('X-API-Key', 'hopx_live_a1b2c3d4e5f6.c2VjcmV0'),
    secrets: () => ['hopx_live_a1b2c3d4e5f6.c2VjcmV0'],
    log: options.log ? (entry) => options.log!.push(entry) : undefined,
    random: () => 0.5,
    now: () => NOW,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { transport, sent, waits };
}

const json =
  (status: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify({ error: `status ${status}` }), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
const reset = () => () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  });

describe('transport retries (injected clock)', () => {
  it('503, 503, 200: two retries after 375 and 750 ms, the caller sees the 200', async () => {
    const { transport, sent, waits } = scripted([json(503), json(503), json(200)]);
    const response = await transport('https://api.test/v1/sandboxes');
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([375, 750]);
  });

  it('429 with Retry-After as a date: waits until then', async () => {
    const { transport, waits } = scripted([
      json(429, { 'retry-after': new Date(NOW + 4000).toUTCString() }),
      json(200),
    ]);
    expect((await transport('https://api.test/v1/sandboxes')).status).toBe(200);
    expect(waits).toEqual([4000]);
  });

  it('429 with X-RateLimit-Reset: waits for the window to reset', async () => {
    const { transport, waits } = scripted([json(429, { 'x-ratelimit-reset': String(NOW / 1000 + 9) }), json(200)]);
    await transport('https://api.test/v1/sandboxes');
    expect(waits).toEqual([9000]);
  });

  it('429 asking for an hour: no wait, the 429 is the answer', async () => {
    const { transport, sent, waits } = scripted([json(429, { 'retry-after': '3600' }), json(200)]);
    expect((await transport('https://api.test/v1/sandboxes')).status).toBe(429);
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('gives up after maxRetries and returns the last answer', async () => {
    const { transport, sent, waits } = scripted([json(500)], { maxRetries: 3 });
    expect((await transport('https://api.test/v1/sandboxes')).status).toBe(500);
    expect(sent).toHaveLength(4);
    expect(waits).toEqual([375, 750, 1500]);
  });

  it('a reset connection is retried for a GET and logged; when every attempt fails, HopxConnectionError', async () => {
    const log: LogEntry[] = [];
    const { transport, sent, waits } = scripted([reset()], { log });
    const error = await transport('https://api.test/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.message).toBe('GET /v1/sandboxes failed: ECONNRESET socket hang up');
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([375, 750]);
    expect(log.map((e) => e.type)).toEqual([
      'request',
      'error',
      'retry',
      'request',
      'error',
      'retry',
      'request',
      'error',
    ]);
  });

  it('the same request id on every attempt, and the key only ever in its header', async () => {
    const log: LogEntry[] = [];
    const { transport, sent } = scripted([json(502), json(200)], { log });
    await transport('https://api.test/v1/sandboxes');
    const ids = sent.map((r) => r.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(1);
    expect(JSON.stringify(log)).not.toContain('c2VjcmV0');
  });

  it("retries even when the fetch hands out tee'd responses (dropping one never waits for the other)", async () => {
    const shared = new Response('{"error":"busy"}', { status: 503 });
    const { transport, sent } = scripted([() => shared.clone(), () => shared.clone(), json(200)]);
    expect((await transport('https://api.test/v1/sandboxes')).status).toBe(200);
    expect(sent).toHaveLength(3);
  });

  it('does not retry a status whose error code says retrying cannot help, and hands over the same body', async () => {
    const desktop = () => () =>
      new Response(JSON.stringify({ error: 'no desktop', code: 'DESKTOP_NOT_AVAILABLE' }), {
        status: 503,
        headers: { 'content-type': 'application/json', 'content-length': '48' },
      });
    const { transport, sent, waits } = scripted([desktop(), json(200)]);
    const response = await transport('https://agent.test/desktop/vnc/status');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'no desktop', code: 'DESKTOP_NOT_AVAILABLE' });
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('still retries a retryable status whose code may change (a sandbox still being created)', async () => {
    const creating = () => () =>
      new Response(JSON.stringify({ error: 'creating', code: 'SANDBOX_CREATING' }), {
        status: 409,
        headers: { 'content-type': 'application/json', 'content-length': '42' },
      });
    const { transport, sent } = scripted([creating(), json(200)]);
    expect((await transport('https://api.test/v1/sandboxes/abc')).status).toBe(200);
    expect(sent).toHaveLength(2);
  });
});
