// A server that never answers, or stalls in the middle of a body, ends in HopxTimeoutError after the
// configured time; the caller's AbortSignal ends a call at once, even during a retry's backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, HopxAbortError, HopxTimeoutError } from '../../src/index.js';
import { SANDBOX, type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const silent = () => startScriptedServer(() => new Promise(() => {}));

describe('timeouts', () => {
  it('times out a request the server never answers (client default)', async () => {
    server = await silent();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, timeout: 150, maxRetries: 0 });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect(error.message).toBe('GET /v1/sandboxes timed out after 150 ms');
  });

  it('takes a per-call timeout over the client default', async () => {
    server = await silent();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, timeout: 60_000, maxRetries: 0 });
    const error = await hopx.GET('/v1/sandboxes', { timeout: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect(error.message).toContain('after 100 ms');
  });

  it('retries a timed-out GET (each attempt gets the full timeout)', async () => {
    server = await startScriptedServer((_req, res, seen) => {
      if (seen.length > 1) sendJson(res, 200, SANDBOX);
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, timeout: 150 });
    const { data } = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: SANDBOX.id } } });
    expect(data?.id).toBe(SANDBOX.id);
    expect(server.seen).toHaveLength(2);
  });

  it('times out a body that stalls after the headers', async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"object":"list",');
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, timeout: 150, maxRetries: 0 });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect(error.message).toContain('no data for 150 ms while reading the response');
  });

  it('keeps a slow but moving body alive: the timeout is per pause, not for the whole body', async () => {
    const text = JSON.stringify({ object: 'list', data: [SANDBOX], has_more: false, next_cursor: null });
    server = await startScriptedServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const part of text.match(/.{1,10}/g)!) {
        res.write(part);
        await new Promise((r) => setTimeout(r, 40));
      }
      res.end();
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, timeout: 150, maxRetries: 0 });
    const { data } = await hopx.GET('/v1/sandboxes');
    expect(data?.data?.[0]?.id).toBe(SANDBOX.id);
  });
});

describe('AbortSignal', () => {
  it('aborts a call in flight with HopxAbortError', async () => {
    server = await silent();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left')), 50);
    const error = await hopx.GET('/v1/sandboxes', { signal: controller.signal }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxAbortError);
    expect(error.cause).toEqual(new Error('user left'));
  });

  it('aborts during the backoff between retries, without another attempt', async () => {
    server = await startScriptedServer((_req, res) => sendJson(res, 503, { error: 'busy' }, { 'Retry-After': '30' }));
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(hopx.GET('/v1/sandboxes', { signal: controller.signal })).rejects.toBeInstanceOf(HopxAbortError);
    expect(server.seen).toHaveLength(1);
  });

  it('rejects at once when the signal is already aborted, sending nothing', async () => {
    server = await silent();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    await expect(hopx.GET('/v1/sandboxes', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(HopxAbortError);
    expect(server.seen).toHaveLength(0);
  });
});
