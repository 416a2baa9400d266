// What a server or a gateway sends when things go wrong: malformed JSON, HTML instead of JSON, an
// empty or nested error body. Each becomes a clear typed error; nothing surfaces as a SyntaxError.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  createAgentClient,
  createControlPlaneClient,
  FileNotFoundError,
  HopxResponseFormatError,
  InternalServerError,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const answer = (status: number, contentType: string | undefined, body: string) =>
  startScriptedServer((_req, res) => {
    res.writeHead(status, contentType ? { 'content-type': contentType } : {});
    res.end(body);
  });
const client = () => createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 });
const throwingClient = () =>
  createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0, throwOnError: true });

describe('malformed success responses', () => {
  it('malformed JSON in a 200 is a HopxResponseFormatError naming the operation', async () => {
    server = await answer(200, 'application/json', '{"object":"list","data":[');
    const error = await client()
      .GET('/v1/sandboxes')
      .catch((e) => e);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(error.message).toContain('GET /v1/sandboxes: the 200 response is not valid JSON');
    expect(error.status).toBe(200);
  });

  it('an HTML page in place of JSON (a captive portal, a proxy) is a HopxResponseFormatError', async () => {
    server = await answer(200, 'text/html; charset=utf-8', '<html><body>Please log in</body></html>');
    const error = await client()
      .GET('/v1/sandboxes')
      .catch((e) => e);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(error.message).toContain("expected a JSON response but got 'text/html; charset=utf-8'");
  });

  it('a non-JSON operation read with the right parseAs is fine', async () => {
    server = await answer(200, 'text/plain; version=0.0.4', 'hopx_agent_uptime_seconds 9252\n');
    const agent = createAgentClient({
      sandbox: { id: 'sbx1', public_host: server.url, auth_token: 'jwt-abcdefgh-123' },
    });
    const { data } = await agent.GET('/metrics/prometheus', { parseAs: 'text' });
    expect(data).toBe('hopx_agent_uptime_seconds 9252\n');
  });
});

describe('error bodies of every shape become an ErrorResponse', () => {
  it('keeps the flat ErrorResponse and picks the class by code', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 404, {
        error: 'File not found: /workspace/x',
        code: 'FILE_NOT_FOUND',
        path: '/workspace/x',
        request_id: 'r-1',
      }),
    );
    const agent = createAgentClient({
      sandbox: { id: 'sbx1', public_host: server.url, auth_token: 'jwt-abcdefgh-123' },
      throwOnError: true,
    });
    const error = await agent.GET('/files/read', { params: { query: { path: '/workspace/x' } } }).catch((e) => e);
    expect(error).toBeInstanceOf(FileNotFoundError);
    expect(error).toMatchObject({
      status: 404,
      code: 'FILE_NOT_FOUND',
      requestId: 'r-1',
      operation: 'GET /files/read',
    });
    expect(error.body.path).toBe('/workspace/x');
    expect(error.message).toBe('404 FILE_NOT_FOUND: File not found: /workspace/x (GET /files/read, request r-1)');
  });

  it('flattens the nested { error: { message, code } } form', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 400, {
        error: { message: 'timeout_seconds must be positive', code: 'INVALID_REQUEST', request_id: 'req_9' },
      }),
    );
    const { error } = await client().GET('/v1/sandboxes');
    expect(error).toEqual({ error: 'timeout_seconds must be positive', code: 'INVALID_REQUEST', request_id: 'req_9' });
    await expect(throwingClient().GET('/v1/sandboxes')).rejects.toBeInstanceOf(BadRequestError);
  });

  it('turns a gateway HTML page into a readable message', async () => {
    server = await answer(502, 'text/html', '<html>\n<head><title>502 Bad Gateway</title></head>\n</html>');
    const error = await throwingClient()
      .GET('/v1/sandboxes')
      .catch((e) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.status).toBe(502);
    expect(error.body.error).toBe('HTTP 502 Bad Gateway: <html> <head><title>502 Bad Gateway</title></head> </html>');
  });

  it('an empty error body still gives status and a message', async () => {
    server = await answer(500, undefined, '');
    const { error, response } = await client().GET('/v1/sandboxes');
    expect(response.status).toBe(500);
    expect(error).toEqual({ error: 'HTTP 500 Internal Server Error (empty body)' });
  });

  it('malformed JSON in an error body is kept as text, truncated', async () => {
    server = await answer(400, 'application/json', `{"error": "unterminated ${'x'.repeat(500)}`);
    const { error } = await client().GET('/v1/sandboxes');
    expect(error?.error.startsWith('HTTP 400 Bad Request: {"error": "unterminated xxx')).toBe(true);
    expect(error!.error.length).toBeLessThan(250);
  });
});
