// Refused WebSocket upgrades against the local stream server: a 404 is a NotFoundError, a 401 is a
// token problem that is renewed once through the Control Plane (and is final the second time), and
// the API key never travels to the agent host on an upgrade.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AgentClient,
  AuthenticationError,
  createAgentClient,
  createControlPlaneClient,
  type HopxApiError,
  NotFoundError,
  openAgentSocket,
  openTerminal,
  runCode,
  streamExecution,
  TokenExpiredError,
  watchFiles,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';
import { type SocketContext, type StreamServer, startStreamServer } from '../support/stream-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';
const staleToken = 'stale-header.payload.signature';
const renewedToken = 'renewed-header.payload.signature';
const refreshPath = `/v1/sandboxes/${sandboxId}/token/refresh`;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

let server: StreamServer | undefined;
let controlPlaneServer: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  await controlPlaneServer?.close();
  server = controlPlaneServer = undefined;
});

/** An agent client holding `staleToken`, with no way to renew it. */
const agentWithoutControlPlane = () =>
  createAgentClient({ sandbox: { id: sandboxId, public_host: server!.url, auth_token: staleToken } });

/** An agent client holding `staleToken`, renewable through a scripted Control Plane that hands out `renewedToken`. */
async function agentWithControlPlane() {
  controlPlaneServer = await startScriptedServer((req, res) => {
    if (req.method === 'POST' && req.url === refreshPath)
      return sendJson(res, 200, { auth_token: renewedToken, token_expires_at: inAnHour() });
    sendJson(res, 404, { error: `no route ${req.method} ${req.url}`, code: 'INVALID_REQUEST' });
  });
  const controlPlane = createControlPlaneClient({ apiKey, baseUrl: controlPlaneServer.url, maxRetries: 0 });
  return createAgentClient({
    sandbox: { id: sandboxId, public_host: server!.url, auth_token: staleToken, token_expires_at: inAnHour() },
    controlPlane,
  });
}

/** A well-behaved /execute/stream session: one stdout chunk, then complete. */
async function executeOk(ctx: SocketContext) {
  await ctx.nextMessage();
  ctx.send({ type: 'stdout', data: 'ok\n', timestamp: at });
  ctx.send({ type: 'complete', success: true });
}

/** No upgrade header carries the API key, under any name. */
function expectNoApiKeyInUpgrades() {
  for (const { headers } of server!.requests) {
    expect(headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain(apiKey);
    expect(JSON.stringify(headers)).not.toContain('hopx_live_');
  }
}

/** Each public way of opening an agent WebSocket, with the route it upgrades. */
const openers = [
  ['openAgentSocket', '/stream', (agent: AgentClient) => openAgentSocket(agent, '/stream')],
  ['streamExecution', '/execute/stream', (agent: AgentClient) => streamExecution(agent, { code: 'print(1)' })],
  ['runCode', '/execute/stream', (agent: AgentClient) => runCode(agent, { code: 'print(1)' })],
  ['openTerminal', '/terminal', (agent: AgentClient) => openTerminal(agent, { cols: 80, rows: 24 })],
  ['watchFiles', '/files/watch', (agent: AgentClient) => watchFiles(agent, '/workspace')],
] as const;

describe('refused upgrade: 404', () => {
  it.each(openers)('%s rejects with NotFoundError (status 404) and makes one attempt', async (_name, path, open) => {
    let sessions = 0;
    server = await startStreamServer({
      upgrade: () => 404,
      socket: () => {
        sessions++;
      },
    });
    const error = await open(agentWithoutControlPlane()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    const notFound = error as NotFoundError;
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe('INVALID_REQUEST');
    expect(notFound.operation).toBe(`WebSocket ${path}`);
    expect(notFound.body.error).toBe(`no WebSocket route at ${path}`);
    expect(notFound.message).toContain(`no WebSocket route at ${path}`);
    expect(server.requests.map((r) => r.path)).toEqual([path]);
    expect(sessions).toBe(0);
  });

  it('a 404 is not retried and does not renew the token, even with a Control Plane client', async () => {
    server = await startStreamServer({ upgrade: () => 404 });
    const agent = await agentWithControlPlane();
    await expect(openAgentSocket(agent, '/execute/stream')).rejects.toBeInstanceOf(NotFoundError);
    expect(server.requests).toHaveLength(1);
    expect(controlPlaneServer!.seen).toHaveLength(0);
  });
});

describe('refused upgrade: 401', () => {
  it('without a Control Plane client: TokenExpiredError (TOKEN_EXPIRED) after exactly one attempt', async () => {
    server = await startStreamServer({ upgrade: () => 401 });
    const error = await streamExecution(agentWithoutControlPlane(), { code: 'print(1)' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenExpiredError);
    expect(error).toBeInstanceOf(AuthenticationError);
    const expired = error as TokenExpiredError;
    expect(expired.status).toBe(401);
    expect(expired.code).toBe('TOKEN_EXPIRED');
    expect(expired.operation).toBe('WebSocket /execute/stream');
    expect(expired.message).toContain('Sandbox token has expired');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${staleToken}`);
    expectNoApiKeyInUpgrades();
  });

  it.each(openers)('%s: without a Control Plane client a 401 is an AuthenticationError', async (_name, _path, open) => {
    server = await startStreamServer({ upgrade: () => 401 });
    await expect(open(agentWithoutControlPlane())).rejects.toBeInstanceOf(TokenExpiredError);
    expect(server.requests).toHaveLength(1);
  });

  it('with a Control Plane client: the token is renewed once and the second upgrade carries it', async () => {
    server = await startStreamServer({
      upgrade: (req) => (req.headers.authorization === `Bearer ${renewedToken}` ? undefined : 401),
      socket: executeOk,
    });
    const agent = await agentWithControlPlane();
    const output = await runCode(agent, { code: 'print("ok")' });
    expect(output).toMatchObject({ stdout: 'ok\n', success: true });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${staleToken}`,
      `Bearer ${renewedToken}`,
    ]);
    const refreshes = controlPlaneServer!.seenAt(refreshPath);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.method).toBe('POST');
    // The API key goes to the Control Plane only, never on an upgrade to the agent host.
    expect(refreshes[0]!.headers['x-api-key']).toBe(apiKey);
    expectNoApiKeyInUpgrades();
  });

  it('the renewed token is kept: the next session upgrades with it directly', async () => {
    server = await startStreamServer({
      upgrade: (req) => (req.headers.authorization === `Bearer ${renewedToken}` ? undefined : 401),
      socket: executeOk,
    });
    const agent = await agentWithControlPlane();
    await runCode(agent, { code: 'print("ok")' });
    await runCode(agent, { code: 'print("ok")' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${staleToken}`,
      `Bearer ${renewedToken}`,
      `Bearer ${renewedToken}`,
    ]);
    expect(controlPlaneServer!.seenAt(refreshPath)).toHaveLength(1);
  });

  it('a second 401 is final: TokenExpiredError, one refresh, two upgrade attempts', async () => {
    let sessions = 0;
    server = await startStreamServer({
      upgrade: () => 401,
      socket: () => {
        sessions++;
      },
    });
    const agent = await agentWithControlPlane();
    const error = await openAgentSocket(agent, '/terminal').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenExpiredError);
    expect((error as HopxApiError).status).toBe(401);
    expect((error as HopxApiError).code).toBe('TOKEN_EXPIRED');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${staleToken}`,
      `Bearer ${renewedToken}`,
    ]);
    expect(controlPlaneServer!.seenAt(refreshPath)).toHaveLength(1);
    expect(sessions).toBe(0);
    expectNoApiKeyInUpgrades();
  });

  it('a failed token refresh is reported as the Control Plane error, after one upgrade attempt', async () => {
    server = await startStreamServer({ upgrade: () => 401 });
    controlPlaneServer = await startScriptedServer((_req, res) =>
      sendJson(res, 404, { error: `Sandbox ${sandboxId} not found`, code: 'SANDBOX_NOT_FOUND' }),
    );
    const controlPlane = createControlPlaneClient({ apiKey, baseUrl: controlPlaneServer.url, maxRetries: 0 });
    const agent = createAgentClient({
      sandbox: { id: sandboxId, public_host: server.url, auth_token: staleToken, token_expires_at: inAnHour() },
      controlPlane,
    });
    const error = await openAgentSocket(agent, '/execute/stream').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as HopxApiError).code).toBe('SANDBOX_NOT_FOUND');
    expect(server.requests).toHaveLength(1);
    expect(controlPlaneServer.seenAt(refreshPath)).toHaveLength(1);
  });
});

describe('upgrade headers', () => {
  it('an accepted upgrade carries the sandbox token and nothing of the API key', async () => {
    server = await startStreamServer({ socket: executeOk });
    const agent = await agentWithControlPlane();
    await runCode(agent, { code: 'print("ok")' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${staleToken}`);
    expect(controlPlaneServer!.seen).toHaveLength(0);
    expectNoApiKeyInUpgrades();
  });
});
