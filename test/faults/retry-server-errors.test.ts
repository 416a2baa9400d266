// 5xx, 408 and 409: retried with exponential backoff for requests that are safe to repeat, within the
// retry budget (default 2, configurable per client and per call, 0 disables).
import { afterEach, describe, expect, it } from 'vitest';
import {
  createControlPlaneClient,
  InternalServerError,
  type LogEntry,
  ServiceUnavailableError,
} from '../../src/index.js';
import { SANDBOX, type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const failing = (status: number, times = Infinity) =>
  startScriptedServer((_req, res, seen) => {
    if (seen.length <= times) sendJson(res, status, { error: `boom ${seen.length}`, code: 'INTERNAL_ERROR' });
    else sendJson(res, 200, SANDBOX);
  });
const params = { path: { id: SANDBOX.id } };

describe('server errors', () => {
  it('503 then 200: one retry, the caller only sees the success', async () => {
    server = await failing(503, 1);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const { data, error } = await hopx.GET('/v1/sandboxes/{id}', { params });
    expect(error).toBeUndefined();
    expect(data?.status).toBe('running');
    expect(server.seen).toHaveLength(2);
  });

  it.each([408, 409, 500, 502, 504])('retries %i', async (status) => {
    server = await failing(status, 1);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    expect((await hopx.GET('/v1/sandboxes/{id}', { params })).data?.id).toBe(SANDBOX.id);
    expect(server.seen).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 422])('does not retry %i', async (status) => {
    server = await failing(status);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    expect((await hopx.GET('/v1/sandboxes/{id}', { params })).response.status).toBe(status);
    expect(server.seen).toHaveLength(1);
  });

  it('gives up after 2 retries by default, with growing backoff, and throws the typed error', async () => {
    server = await failing(500);
    const log: LogEntry[] = [];
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, throwOnError: true, log: (e) => log.push(e) });
    const error = await hopx.GET('/v1/sandboxes/{id}', { params }).catch((e) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toContain('boom 3');
    expect(server.seen).toHaveLength(3);
    const delays = log.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []));
    expect(delays).toHaveLength(2);
    // Backoff: retry n waits between half and all of 500 ms * 2^(n-1).
    expect(delays[0]).toBeGreaterThanOrEqual(250);
    expect(delays[0]).toBeLessThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(500);
    expect(delays[1]).toBeLessThanOrEqual(1000);
    expect(server.seen[2]!.at - server.seen[1]!.at).toBeGreaterThanOrEqual(delays[1]! - 50);
  });

  it('honours maxRetries from the client and per call; 0 disables retries', async () => {
    server = await failing(503);
    const none = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0, throwOnError: true });
    await expect(none.GET('/v1/sandboxes/{id}', { params })).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(server.seen).toHaveLength(1);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    await hopx.GET('/v1/sandboxes/{id}', { params, maxRetries: 1 });
    expect(server.seen).toHaveLength(3);
  });

  it('never repeats a sandbox-creating POST after a 5xx: the server may have created it', async () => {
    server = await failing(503);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const { response } = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } });
    expect(response.status).toBe(503);
    expect(server.seenAt('/v1/sandboxes')).toHaveLength(1);
  });

  it('retries a POST that is safe to repeat (pause)', async () => {
    server = await failing(502, 1);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const { response } = await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id: SANDBOX.id } } });
    expect(response.status).toBe(200);
    expect(server.seen).toHaveLength(2);
  });

  it('sends the same JSON body and request id on every attempt', async () => {
    server = await startScriptedServer((_req, res, seen) => {
      if (seen.length === 1) sendJson(res, 500, { error: 'boom' });
      else sendJson(res, 200, { id: SANDBOX.id, status: 'running' });
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    await hopx.PUT('/v1/sandboxes/{id}/timeout', {
      params: { path: { id: SANDBOX.id } },
      body: { timeout_seconds: 600 },
    });
    expect(server.seen).toHaveLength(2);
    expect(server.seen.map((r) => JSON.parse(r.body.toString()))).toEqual([
      { timeout_seconds: 600 },
      { timeout_seconds: 600 },
    ]);
    expect(server.seen[0]!.headers['x-request-id']).toBeTruthy();
    expect(server.seen[1]!.headers['x-request-id']).toBe(server.seen[0]!.headers['x-request-id']);
  });
});
