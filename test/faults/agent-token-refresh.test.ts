// The agent token: renewed through the Control Plane before it expires, and once after a 401, after
// which the request is sent again. The API key itself never goes to the agent host.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  createAgentClient,
  createControlPlaneClient,
  HopxConfigError,
  TokenExpiredError,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const id = '1761048129dsaqav4n';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
let controlPlaneServer: ScriptedServer;
let agentServer: ScriptedServer;
afterEach(async () => {
  await controlPlaneServer?.close();
  await agentServer?.close();
});

/** A Control Plane that hands out token-1, token-2, ... and knows the agent's host. */
async function startControlPlane(agentUrl: () => string) {
  let issued = 0;
  controlPlaneServer = await startScriptedServer((req, res) => {
    if (req.url === `/v1/sandboxes/${id}/token/refresh` && req.method === 'POST') {
      issued++;
      return sendJson(res, 200, { auth_token: `token-${issued}-abcdefgh`, token_expires_at: inAnHour() });
    }
    if (req.url === `/v1/sandboxes/${id}`)
      return sendJson(res, 200, {
        id,
        object: 'sandbox',
        status: 'running',
        created_at: inAnHour(),
        public_host: agentUrl(),
      });
    sendJson(res, 404, { error: 'no such route' });
  });
  return createControlPlaneClient({ apiKey, baseUrl: controlPlaneServer.url });
}

/** An agent that accepts only the given tokens. */
async function startAgent(valid: (token: string) => boolean) {
  agentServer = await startScriptedServer((req, res) => {
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!valid(token)) return sendJson(res, 401, { error: 'Sandbox token has expired', code: 'TOKEN_EXPIRED' });
    sendJson(res, 200, { env_vars: { A: '1' }, count: 1 });
  });
}

describe('sandbox token', () => {
  it('on a 401 renews the token once and sends the request again', async () => {
    await startAgent((t) => t === 'token-1-abcdefgh');
    const controlPlane = await startControlPlane(() => agentServer.url);
    const agent = createAgentClient({
      sandbox: { id, public_host: agentServer.url, auth_token: 'stale-token-xyz1', token_expires_at: inAnHour() },
      controlPlane,
    });
    const { data } = await agent.GET('/env');
    expect(data?.count).toBe(1);
    expect(controlPlaneServer.seenAt(`/v1/sandboxes/${id}/token/refresh`)).toHaveLength(1);
    expect(agentServer.seen.map((r) => r.headers.authorization)).toEqual([
      'Bearer stale-token-xyz1',
      'Bearer token-1-abcdefgh',
    ]);
  });

  it('a second 401 is final: TokenExpiredError, and only one refresh', async () => {
    await startAgent(() => false);
    const controlPlane = await startControlPlane(() => agentServer.url);
    const agent = createAgentClient({
      sandbox: { id, public_host: agentServer.url, auth_token: 'stale-token-xyz1' },
      controlPlane,
      throwOnError: true,
    });
    const error = await agent.GET('/env').catch((e) => e);
    expect(error).toBeInstanceOf(TokenExpiredError);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(controlPlaneServer.seenAt(`/v1/sandboxes/${id}/token/refresh`)).toHaveLength(1);
    expect(agentServer.seen).toHaveLength(2);
  });

  it('renews a token that is about to expire before sending', async () => {
    await startAgent((t) => t === 'token-1-abcdefgh');
    const controlPlane = await startControlPlane(() => agentServer.url);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const agent = createAgentClient({
      sandbox: { id, public_host: agentServer.url, auth_token: 'old-token-xyz12', token_expires_at: soon },
      controlPlane,
    });
    expect((await agent.GET('/env')).data?.count).toBe(1);
    expect(agentServer.seen.map((r) => r.headers.authorization)).toEqual(['Bearer token-1-abcdefgh']);
  });

  it('concurrent calls share one refresh', async () => {
    await startAgent((t) => t === 'token-1-abcdefgh');
    const controlPlane = await startControlPlane(() => agentServer.url);
    const agent = createAgentClient({
      sandbox: { id, public_host: agentServer.url, auth_token: 'stale-token-xyz1', token_expires_at: inAnHour() },
      controlPlane,
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => agent.GET('/env')));
    expect(results.every((r) => r.data?.count === 1)).toBe(true);
    expect(controlPlaneServer.seenAt(`/v1/sandboxes/${id}/token/refresh`)).toHaveLength(1);
  });

  it('from a bare sandbox id: looks up public_host and gets a token, never sending the API key to the agent', async () => {
    await startAgent((t) => t.startsWith('token-'));
    const controlPlane = await startControlPlane(() => agentServer.url);
    const agent = createAgentClient({ sandbox: id, controlPlane });
    await agent.PATCH('/env', { body: { env_vars: { B: '2' }, merge: true } });
    await agent.GET('/env');
    expect(agentServer.seen).toHaveLength(2);
    for (const request of agentServer.seen) {
      expect(request.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(apiKey);
      expect(request.headers.authorization).toMatch(/^Bearer token-\d-abcdefgh$/);
    }
    expect(controlPlaneServer.seen.every((r) => r.headers['x-api-key'] === apiKey)).toBe(true);
  });

  it('without a Control Plane client, a sandbox id alone is a config error', () => {
    expect(() => createAgentClient({ sandbox: id })).toThrow(HopxConfigError);
  });
});
