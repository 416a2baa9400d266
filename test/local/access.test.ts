// Who the local HopX answers: only requests addressed to it by a loopback name (DNS rebinding),
// only with the API key (Control Plane) or the sandbox's own, unexpired token (its agent), and it
// never echoes a credential back.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, createAgentClient, createControlPlaneClient } from '../../src/index.js';
import { startLocalHopx } from '../../src/local/index.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

describe('the Control Plane', () => {
  it('binds loopback only by default', () => {
    expect(harness.local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a request addressed to another host name (DNS rebinding), before doing anything', async () => {
    const { local, hopx } = harness;
    const url = new URL(local.url);
    // fetch cannot set Host; node:http can.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/sandboxes',
          headers: { Host: 'attacker.example', 'X-API-Key': local.apiKey, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ template_name: 'base' }));
    });
    expect(status).toBe(421);
    expect((await hopx.GET('/v1/sandboxes')).data).toEqual([]);
  });

  it('answers localhost as well as 127.0.0.1', async () => {
    const { local } = harness;
    const viaLocalhost = local.url.replace('127.0.0.1', 'localhost');
    const answer = await fetch(`${viaLocalhost}/v1/templates`, { headers: { 'X-API-Key': local.apiKey } });
    expect(answer.status).toBe(200);
  });

  it('needs the API key, in X-API-Key or as a Bearer token, and never echoes a wrong one', async () => {
    const { local } = harness;
    const none = await fetch(`${local.url}/v1/sandboxes`);
    expect(none.status).toBe(401);
    const wrongKey = 'hopx_live_aaaaaaaaaaaa.d3JvbmctYnV0LXdlbGwtZm9ybWVk';
    const wrong = await fetch(`${local.url}/v1/sandboxes`, { headers: { 'X-API-Key': wrongKey } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(wrongKey);
    const bearer = createControlPlaneClient({
      apiKey: local.apiKey,
      baseUrl: local.url,
      authHeader: 'Authorization',
      throwOnError: true,
    });
    expect((await bearer.GET('/v1/templates')).data?.map((t) => t.name)).toEqual(['code-interpreter', 'base']);
  });
});

describe("a sandbox's agent", () => {
  it("needs that sandbox's token: none, a forged one and another sandbox's are refused with 401", async () => {
    const { sandbox } = await harness.sandbox();
    const { sandbox: other } = await harness.sandbox();
    // GET /env needs the token (GET /ping, /info and / check one only when it is sent).
    const ping = (token?: string) =>
      fetch(`${sandbox.public_host}/env`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect((await ping()).status).toBe(401);
    expect((await ping(`${sandbox.auth_token}x`)).status).toBe(401);
    const foreign = await ping(other.auth_token);
    expect(foreign.status).toBe(401);
    expect((await foreign.json()).code).toBe('TOKEN_INVALID');
    expect((await ping(sandbox.auth_token)).status).toBe(200);
    // The API key is not a sandbox token.
    expect((await ping(harness.local.apiKey)).status).toBe(401);
  });
});

describe('an expired sandbox token', () => {
  it('is refused with TOKEN_EXPIRED; the client renews it through the Control Plane and goes on', async () => {
    const local = await startLocalHopx({ tokenTtlSeconds: 1 });
    try {
      const hopx = createControlPlaneClient({ apiKey: local.apiKey, baseUrl: local.url, throwOnError: true });
      const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const stale = await fetch(`${sandbox.public_host}/ping`, {
        headers: { Authorization: `Bearer ${sandbox.auth_token}` },
      });
      expect(stale.status).toBe(401);
      expect((await stale.json()).code).toBe('TOKEN_EXPIRED');
      // Without a Control Plane client there is nothing to renew with: a typed error.
      const stuck = createAgentClient({ sandbox: { ...sandbox, token_expires_at: undefined }, throwOnError: true });
      await expect(stuck.GET('/env')).rejects.toBeInstanceOf(AuthenticationError);
      // With one, the client renews after the 401 and the call goes through.
      const agent = createAgentClient({
        sandbox: { ...sandbox, token_expires_at: undefined },
        controlPlane: hopx,
        throwOnError: true,
      });
      await expect(agent.GET('/env')).resolves.toBeDefined();
      expect(local.violations()).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe('routes where the token is optional', () => {
  it('GET /ping answers without a token, and refuses a wrong one that is sent', async () => {
    const { sandbox } = await harness.sandbox();
    expect((await fetch(`${sandbox.public_host}/ping`)).status).toBe(200);
    expect((await fetch(`${sandbox.public_host}/ping`, { headers: { Authorization: 'Bearer forged' } })).status).toBe(
      401,
    );
  });
});
