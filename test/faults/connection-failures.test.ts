// No response: connection refused, reset before the response, or lost in the middle of the body.
// Each reaches the caller as a HopxConnectionError, retried only when repeating the request is safe.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentClient, createControlPlaneClient, HopxConnectionError } from '../../src/index.js';
import { SANDBOX, type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const resetFirst = (times: number, then: (res: import('node:http').ServerResponse) => void) =>
  startScriptedServer((req, res, seen) => {
    if (seen.length <= times) req.socket.destroy();
    else then(res);
  });

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

describe('connection failures', () => {
  it('retries a GET after the connection is reset, and succeeds', async () => {
    server = await resetFirst(1, (res) => sendJson(res, 200, SANDBOX));
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const { data } = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: SANDBOX.id } } });
    expect(data?.id).toBe(SANDBOX.id);
    expect(server.seen).toHaveLength(2);
  });

  it('throws HopxConnectionError when every attempt is reset', async () => {
    server = await resetFirst(Infinity, () => {});
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.operation).toBe('GET /v1/sandboxes');
    expect(error.message).toMatch(/GET \/v1\/sandboxes failed/);
    expect(server.seen).toHaveLength(3);
  });

  it('sends a sandbox-creating POST once when the connection drops after it was sent', async () => {
    server = await resetFirst(Infinity, () => {});
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    await expect(hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } })).rejects.toBeInstanceOf(
      HopxConnectionError,
    );
    expect(server.seenAt('/v1/sandboxes')).toHaveLength(1);
  });

  it('sends code to run once when the connection drops (running it twice could do harm)', async () => {
    server = await resetFirst(Infinity, () => {});
    const agent = createAgentClient({
      sandbox: { id: SANDBOX.id, public_host: server.url, auth_token: 'jwt-abcdefgh-123' },
    });
    await expect(
      agent.POST('/execute', { body: { code: 'charge_card()', language: 'python' } }),
    ).rejects.toBeInstanceOf(HopxConnectionError);
    expect(server.seenAt('/execute')).toHaveLength(1);
  });

  it('retries even a create when the connection was refused: nothing was sent', async () => {
    const port = await closedPort();
    const hopx = createControlPlaneClient({ apiKey, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
    const log: string[] = [];
    const logged = createControlPlaneClient({
      apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 1,
      log: (e) => log.push(e.type),
    });
    const error = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.message).toContain('ECONNREFUSED');
    await logged.POST('/v1/sandboxes', { body: { template_name: 'base' } }).catch(() => {});
    expect(log.filter((t) => t === 'request')).toHaveLength(2);
  });

  it('reports a body cut off mid-way as HopxConnectionError, not a JSON SyntaxError', async () => {
    server = await startScriptedServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"object":"list","data":[{"id":"1761048129dsa');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.message).toContain('connection lost while reading the response');
    expect(error.status).toBe(200);
  });
});
