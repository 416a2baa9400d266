// The API key and the sandbox token never appear in an error (message, body, cause, inspect output)
// or in a log line, even when the server echoes them back; a bad key fails before any request.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgentClient, createControlPlaneClient, HopxConfigError, type LogEntry } from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_Q7w8e9r0t1y2.very-secret-part-xyz';
const token = 'eyJhbGciOiJIUzI1NiJ9.c2FuZGJveA.secret-signature-abc';
let server: ScriptedServer;
afterEach(() => {
  vi.unstubAllEnvs();
  return server?.close();
});

const everything = (error: unknown, log: LogEntry[]) =>
  [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), JSON.stringify(log)].join('\n');

describe('secrets stay secret', () => {
  it('a server echoing the API key back: the key is redacted from the error and the log', async () => {
    server = await startScriptedServer((req, res) =>
      sendJson(res, 403, {
        error: `key ${req.headers['x-api-key']} is revoked`,
        details: { key: req.headers['x-api-key'] },
      }),
    );
    const log: LogEntry[] = [];
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, throwOnError: true, log: (e) => log.push(e) });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error.message).toContain('key [redacted] is revoked');
    expect(everything(error, log)).not.toContain(apiKey);
    expect(everything(error, log)).not.toContain('very-secret-part');
    expect(server.seen[0]!.headers['x-api-key']).toBe(apiKey);
  });

  it('log entries carry headers with the credentials redacted', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 200, { object: 'list', data: [], has_more: false }, { 'set-cookie': 'session=abc123456789' }),
    );
    const log: LogEntry[] = [];
    const hopx = createControlPlaneClient({
      apiKey,
      baseUrl: server.url,
      authHeader: 'Authorization',
      log: (e) => log.push(e),
    });
    await hopx.GET('/v1/sandboxes');
    const request = log.find((e) => e.type === 'request');
    const response = log.find((e) => e.type === 'response');
    expect(request && request.type === 'request' && request.headers.authorization).toBe('[redacted]');
    expect(response && response.type === 'response' && response.headers['set-cookie']).toBe('[redacted]');
    expect(JSON.stringify(log)).not.toContain(apiKey);
    expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('the sandbox token is redacted from agent errors and logs', async () => {
    server = await startScriptedServer((req, res) =>
      sendJson(res, 500, { error: `bad header ${req.headers.authorization}` }),
    );
    const log: LogEntry[] = [];
    const agent = createAgentClient({
      sandbox: { id: 'sbx1', public_host: server.url, auth_token: token },
      maxRetries: 1,
      throwOnError: true,
      log: (e) => log.push(e),
    });
    const error = await agent.GET('/env').catch((e) => e);
    expect(error.message).toContain('bad header Bearer [redacted]');
    expect(everything(error, log)).not.toContain(token);
    expect(everything(error, log)).not.toContain('secret-signature');
  });

  it('a connection error keeps no request or headers', async () => {
    const hopx = createControlPlaneClient({ apiKey, baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(everything(error, [])).not.toContain(apiKey);
  });

  it('a malformed key is refused before any request, without echoing it', async () => {
    server = await startScriptedServer((_req, res) => sendJson(res, 200, {}));
    const bad = 'sk_live_0123456789abcdef-not-a-hopx-key';
    const attempt = () => createControlPlaneClient({ apiKey: bad, baseUrl: server.url });
    expect(attempt).toThrow(HopxConfigError);
    expect(attempt).toThrow(/malformed \(39 characters\)\. Expected hopx_live_<key id>\.<secret>/);
    try {
      attempt();
    } catch (error) {
      expect(inspect(error)).not.toContain(bad);
    }
    expect(server.seen).toHaveLength(0);
  });

  it('a key with a trailing newline (pasted from a file) gets a pointed hint', () => {
    expect(() => createControlPlaneClient({ apiKey: `${apiKey}\n` })).toThrow(/white space/);
  });

  it('reads HOPX_API_KEY when no key is passed, and says so when neither is there', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 200, { object: 'list', data: [], has_more: false }),
    );
    vi.stubEnv('HOPX_API_KEY', apiKey);
    await createControlPlaneClient({ baseUrl: server.url }).GET('/v1/sandboxes');
    expect(server.seen[0]!.headers['x-api-key']).toBe(apiKey);
    vi.stubEnv('HOPX_API_KEY', '');
    expect(() => createControlPlaneClient({ baseUrl: server.url })).toThrow(
      /No HopX API key: pass \{ apiKey \} or set the HOPX_API_KEY/,
    );
  });
});
