// A success that carries no body, or not the kind of body the operation promises, reaches the caller
// as a typed HopxError: never `throw undefined`, never a TypeError from reading a missing body. An
// event stream answered `204 No Content` (EventSource's "no events for you") simply ends.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  createControlPlaneClient,
  downloadFile,
  followBuildLogs,
  HopxResponseFormatError,
  paginate,
  streamSandboxEvents,
  streamTemplateEvents,
  uploadFile,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const noContent = () => startScriptedServer((_req, res) => void res.writeHead(204).end());
const controlPlane = () => createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 });
const agent = () =>
  createAgentClient({ sandbox: { id: 'sbx', public_host: server.url, auth_token: 'token-0123456789' }, maxRetries: 0 });

/** What an iteration yields, and what it threw (`threw` tells a thrown `undefined` from a clean end). */
async function collect<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown; threw: boolean }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error, threw: true };
  }
  return { items, error: undefined, threw: false };
}

describe('event streams answered without a stream', () => {
  it('204 No Content ends the sandbox event stream without an error or a reconnect', async () => {
    server = await noContent();
    const { items, threw } = await collect(streamSandboxEvents(controlPlane(), { reconnectDelay: 10 }));
    expect(threw).toBe(false);
    expect(items).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('200 with JSON instead of an event stream is HopxResponseFormatError', async () => {
    server = await startScriptedServer((_req, res) => sendJson(res, 200, { object: 'list', data: [] }));
    const { error } = await collect(streamTemplateEvents(controlPlane()));
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as Error).message).toContain("expected text/event-stream but got 'application/json'");
  });

  it('a build log answered 204 falls back to polling its JSON form', async () => {
    let calls = 0;
    server = await startScriptedServer((_req, res) => {
      if (calls++ === 0) return void res.writeHead(204).end();
      sendJson(res, 200, {
        logs: 'Step 1/1 : RUN true\nBuild complete\n',
        offset: 2,
        status: 'active',
        complete: true,
      });
    });
    const { items, threw } = await collect(followBuildLogs(controlPlane(), '1187', { pollInterval: 10 }));
    expect(threw).toBe(false);
    expect(items.map((line) => line.message)).toEqual(['Step 1/1 : RUN true', 'Build complete']);
  });

  it('a build log that is neither an event stream nor JSON is HopxResponseFormatError', async () => {
    server = await startScriptedServer(
      (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway</html>'),
    );
    const { error } = await collect(followBuildLogs(controlPlane(), '1187'));
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as Error).message).toContain('neither an event stream nor JSON');
  });
});

describe('calls whose success has no body', () => {
  it('paginate: HopxResponseFormatError, not a TypeError', async () => {
    server = await noContent();
    const { error } = await collect(paginate(controlPlane(), '/v1/sandboxes'));
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect((error as Error).message).toBe(
      'GET /v1/sandboxes: the 204 response has no body, where the operation promises one',
    );
  });

  it('downloadFile: HopxResponseFormatError', async () => {
    server = await noContent();
    await expect(downloadFile(agent(), '/workspace/a.txt')).rejects.toBeInstanceOf(HopxResponseFormatError);
  });

  it('uploadFile: HopxResponseFormatError', async () => {
    server = await noContent();
    await expect(uploadFile(agent(), '/workspace/a.txt', new Blob(['hi']))).rejects.toBeInstanceOf(
      HopxResponseFormatError,
    );
  });

  it('a token refresh answered 204 fails the agent call with HopxResponseFormatError', async () => {
    server = await noContent();
    const lazyAgent = createAgentClient({ sandbox: 'sbx', controlPlane: controlPlane(), maxRetries: 0 });
    const error = await lazyAgent.GET('/info').catch((e) => e);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(error.message).toContain('GET /v1/sandboxes/{id}: the 204 response has no body');
  });
});
