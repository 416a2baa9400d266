// A call read whole goes straight to the dispatcher under Node's fetch (src/internal/direct-dispatch.ts).
// What fetch would have done must still happen: compressed bodies decoded, the response whole and
// re-readable, odd statuses kept, a body cut short typed (and retried where the status says so), a
// dispatcher set by the caller used, and a fetch replaced by a mock, or passed in, still called.
import { createServer as createNetServer, type Socket } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, HopxApiError, HopxConnectionError } from '../../src/index.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const page = { object: 'list', data: [], has_more: false, next_cursor: null, request_id: 'req_1' };
let server: ScriptedServer | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server on a raw socket: answers every request with `reply` (bytes fetch's server would refuse to send). */
async function rawServer(reply: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => reply(socket));
  });
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        net.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(net.address() as { port: number }).port}`;
}

describe('a call read whole, sent to the dispatcher directly', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('decodes a %s body (%o), as fetch would', async (coding, compress) => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
      res.end(compress(Buffer.from(JSON.stringify(page))));
    });
    const result = await createControlPlaneClient({ apiKey, baseUrl: server.url }).GET('/v1/sandboxes');
    expect(result.data).toEqual(page);
    expect(server.seen[0]?.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(server.seen[0]?.headers.accept).toBe('*/*');
  });

  it('hands over a whole Response: url, headers, a body that can be read, and a clone', async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end(JSON.stringify(page));
    });
    const { response } = await createControlPlaneClient({ apiKey, baseUrl: server.url }).GET('/v1/sandboxes');
    expect(response.url).toBe(`${server.url}/v1/sandboxes`);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(await response.json()).toEqual(page);
    expect(JSON.parse(await new Response(response.body).text())).toEqual(page);
    expect(await response.clone().json()).toEqual(page);
  });

  it.each([
    ['sent directly', undefined],
    ['through fetch', ((input, init) => fetch(input, init)) as typeof fetch],
  ])('keeps a status a Response refuses (above 599) as an error, %s', async (_, fetch) => {
    const url = await rawServer((socket) =>
      socket.end('HTTP/1.1 799 Strange\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"error":"x"}'),
    );
    const result = await createControlPlaneClient({ apiKey, baseUrl: url, maxRetries: 0, fetch }).GET('/v1/sandboxes');
    expect(result.response.status).toBe(799);
    expect(result.response.ok).toBe(false);
    expect(result.error).toMatchObject({ error: 'x' });
  });

  it('a body cut short on a 200 is a HopxConnectionError with the status, not a second request', async () => {
    let requests = 0;
    const url = await rawServer((socket) => {
      requests++;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"object":"li');
      setTimeout(() => socket.destroy(), 20);
    });
    const client = createControlPlaneClient({ apiKey, baseUrl: url, throwOnError: true });
    const error = await client.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.message).toContain('connection lost while reading the response');
    expect(error.status).toBe(200);
    expect(requests).toBe(1);
  });

  it('a 503 whose body is cut short is retried, as on the fetch path', async () => {
    let requests = 0;
    const url = await rawServer((socket) => {
      requests++;
      if (requests === 1) {
        socket.write('HTTP/1.1 503 Busy\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"err');
        setTimeout(() => socket.destroy(), 20);
        return;
      }
      const body = JSON.stringify(page);
      socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
    const result = await createControlPlaneClient({ apiKey, baseUrl: url }).GET('/v1/sandboxes');
    expect(result.data).toEqual(page);
    expect(requests).toBe(2);
  });

  it('an error body arrives typed, with the reason phrase the server sent', async () => {
    const url = await rawServer((socket) =>
      socket.end('HTTP/1.1 418 I Brew Tea\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nnope'),
    );
    const error = await createControlPlaneClient({ apiKey, baseUrl: url, throwOnError: true })
      .GET('/v1/sandboxes')
      .catch((e) => e);
    expect(error).toBeInstanceOf(HopxApiError);
    expect(error.status).toBe(418);
  });
});

describe('what the caller put in place is used', () => {
  it('a dispatcher set for Node’s fetch (a proxy, a mock agent) carries the call', async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(page));
    });
    const key = Symbol.for('undici.globalDispatcher.1');
    const globals = globalThis as unknown as Record<symbol, { dispatch(...args: unknown[]): boolean }>;
    new Request('http://127.0.0.1/'); // Node sets its dispatcher up with fetch's classes
    const original = globals[key];
    if (!original) throw new Error('Node set no dispatcher up');
    const dispatched: string[] = [];
    globals[key] = {
      dispatch: (options, handler) => {
        dispatched.push((options as { path: string }).path);
        return original.dispatch(options, handler);
      },
    };
    cleanups.push(() => {
      globals[key] = original;
    });
    const result = await createControlPlaneClient({ apiKey, baseUrl: server.url }).GET('/v1/sandboxes');
    expect(result.data).toEqual(page);
    expect(dispatched).toEqual(['/v1/sandboxes']);
  });

  it('a fetch replaced before the client was made (a mocking library) is called, not bypassed', async () => {
    const original = globalThis.fetch;
    const calls: string[] = [];
    globalThis.fetch = async (input) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return Response.json(page, { status: 200 });
    };
    cleanups.push(() => {
      globalThis.fetch = original;
    });
    const result = await createControlPlaneClient({ apiKey, baseUrl: 'http://127.0.0.1:9' }).GET('/v1/sandboxes');
    expect(result.data).toEqual(page);
    expect(calls).toEqual(['http://127.0.0.1:9/v1/sandboxes']);
  });

  it('a fetch passed to the client is called', async () => {
    const calls: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      calls.push(String(input));
      return Response.json(page, { status: 200 });
    };
    const result = await createControlPlaneClient({ apiKey, baseUrl: 'http://127.0.0.1:9', fetch }).GET(
      '/v1/sandboxes',
    );
    expect(result.data).toEqual(page);
    expect(calls).toEqual(['http://127.0.0.1:9/v1/sandboxes']);
  });
});
