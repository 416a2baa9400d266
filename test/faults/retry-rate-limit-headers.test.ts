// 429s over the wire: the client waits what the server asks, retries, and gives up with a
// RateLimitError when the wait is unreasonable. (Every header form: test/unit/transport-retries.)
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, type LogEntry, RateLimitError } from '../../src/index.js';
import { SANDBOX, type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

function rateLimitedOnce(headers: () => Record<string, string>) {
  return startScriptedServer((_req, res, seen) => {
    if (seen.length === 1) sendJson(res, 429, { error: 'Rate limit exceeded' }, headers());
    else sendJson(res, 200, SANDBOX);
  });
}

const retryDelays = (log: LogEntry[]) => log.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []));

describe('429 Too Many Requests', () => {
  it('waits Retry-After seconds, then retries once and succeeds', async () => {
    server = await rateLimitedOnce(() => ({
      'Retry-After': '1',
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '0',
    }));
    const log: LogEntry[] = [];
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, log: (e) => log.push(e) });
    const { data } = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: SANDBOX.id } } });
    expect(data?.id).toBe(SANDBOX.id);
    expect(server.seen).toHaveLength(2);
    expect(retryDelays(log)).toEqual([1000]);
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  // Retry-After as a date and X-RateLimit-Reset are read the same way: test/unit/ checks them with
  // an injected clock, without sitting out the wait.

  it('does not sit out a wait of minutes: RateLimitError carries retryAfter instead', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 429, { error: 'Build limit: 10 per hour' }, { 'Retry-After': '3600' }),
    );
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, throwOnError: true });
    const error = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: SANDBOX.id } } }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(3600);
    expect(error.message).toContain('Build limit');
    expect(server.seen).toHaveLength(1);
  });

  it('retries even a sandbox-creating POST after 429, since the server did not act on it', async () => {
    server = await startScriptedServer((_req, res, seen) => {
      if (seen.length === 1) sendJson(res, 429, { error: 'slow down' }, { 'Retry-After': '0' });
      else sendJson(res, 201, SANDBOX);
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const { data } = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } });
    expect(data?.id).toBe(SANDBOX.id);
    expect(server.seenAt('/v1/sandboxes')).toHaveLength(2);
  });

  it('stops after maxRetries and reports the last 429', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 429, { error: 'still limited', code: 'INVALID_REQUEST' }, { 'Retry-After': '0' }),
    );
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 3 });
    const { error, response } = await hopx.GET('/v1/sandboxes');
    expect(response.status).toBe(429);
    expect(error).toMatchObject({ error: 'still limited', code: 'INVALID_REQUEST' });
    expect(server.seen).toHaveLength(4);
  });
});
