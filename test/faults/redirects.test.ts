// A redirect is an answer: it reaches the caller at once as HopxRedirectError, saying where the
// server pointed, and is never retried or followed (a body would be sent again, and credentials
// would travel to another host).
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentClient, createControlPlaneClient, HopxRedirectError, uploadFile } from '../../src/index.js';
import { type RawServer, startRawServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const MiB = 1024 * 1024;
let server: RawServer;
afterEach(() => server?.close());

/** Answers every request with `status` and a Location, counting requests and body bytes by method. */
async function redirecting(status: number, location: string) {
  const seen: Array<{ method: string; bytes: number }> = [];
  server = await startRawServer((req, res) => {
    const entry = { method: req.method ?? '', bytes: 0 };
    seen.push(entry);
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
    });
    // Answer once the body is in (a server may also answer early: both must end the same way).
    req.on('end', () => res.writeHead(status, { location, 'content-length': '0' }).end());
  });
  return seen;
}

describe('redirects', () => {
  it('reports a 307 to a large upload once, with its Location, without sending the body again', async () => {
    const seen = await redirecting(307, 'https://elsewhere.example/files/upload');
    const agent = createAgentClient({
      sandbox: { id: 'sbx', public_host: server.url, auth_token: 'token-0123456789' },
    });
    const error = await uploadFile(agent, '/workspace/big.bin', new Blob([new Uint8Array(8 * MiB)])).catch((e) => e);
    expect(error).toBeInstanceOf(HopxRedirectError);
    expect(error.location).toBe('https://elsewhere.example/files/upload');
    expect(error.status).toBe(307);
    expect(error.message).toContain(
      'POST /files/upload: the server answered with a redirect (307) to https://elsewhere.example/files/upload',
    );
    // The body was streamed, so fetch could not keep the Location; a HEAD asked where it pointed.
    expect(seen.map((r) => r.method)).toEqual(['POST', 'HEAD']);
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.bytes).toBeLessThanOrEqual(8 * MiB + 1024);
  });

  it('reports a redirect of a small JSON request with its status and Location, never retried', async () => {
    const seen = await redirecting(308, 'https://api.example/v1/sandboxes');
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 5 });
    const error = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxRedirectError);
    expect(error.status).toBe(308);
    expect(error.location).toBe('https://api.example/v1/sandboxes');
    expect(seen.map((r) => r.method)).toEqual(['POST']);
  });

  it('does not follow a redirect of a GET (the API key must not travel to another host)', async () => {
    const seen = await redirecting(302, 'http://127.0.0.1:9/steal');
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url, throwOnError: true, maxRetries: 3 });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxRedirectError);
    expect(error.location).toBe('http://127.0.0.1:9/steal');
    expect(seen).toHaveLength(1);
  });

  it('keeps a credential that the Location echoes out of the error', async () => {
    await redirecting(301, `https://elsewhere.example/?key=${apiKey}`);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const error = await hopx.GET('/v1/sandboxes').catch((e) => e);
    expect(error).toBeInstanceOf(HopxRedirectError);
    expect(error.location).toBe('https://elsewhere.example/?key=[redacted]');
    expect(JSON.stringify({ message: error.message, location: error.location })).not.toContain(apiKey);
  });
});
