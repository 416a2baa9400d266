// The drifting proxy that `npm run verify` is tested against: with no drift it relays both APIs
// (HTTP, event streams, WebSocket) to the local HopX unchanged but for the `public_host`s, which
// keep agent traffic on the proxy; with each drift, what it sends breaks the spec exactly where
// EXPECTED says, as the spec validator itself finds it. Raw fetch and ws only: the clients would
// hide what the wire carries.
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalHopx, SpecValidator, startLocalHopx } from '../../src/local/index.js';
import { loadSpec } from '../../src/local/spec.js';
import { type Drift, type DriftingProxy, EXPECTED, startDriftingProxy } from './drifting-proxy.js';

const validator = new SpecValidator(loadSpec());
const operation = (key: string) => {
  const found = validator.operations.find((o) => o.key === key);
  if (!found) throw new Error(`no operation ${key} in the spec`);
  return found;
};

let local: LocalHopx;
beforeAll(async () => {
  local = await startLocalHopx({ log: () => {} });
});
afterAll(async () => {
  // The proxy alters answers only: what it passed on to the local HopX was always within the spec.
  const violations = local ? [...local.violations()] : [];
  await local?.close();
  expect(violations).toEqual([]);
});

interface Created {
  id: string;
  public_host: string;
  auth_token: string;
}

interface Answer {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

async function withProxy(drift: Drift, run: (proxy: DriftingProxy) => Promise<void>): Promise<void> {
  const proxy = await startDriftingProxy(local.url, drift);
  try {
    await run(proxy);
  } finally {
    await proxy.close();
  }
}

/** The answer's status, headers and body (parsed as JSON whatever its label says). */
async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the text is the body.
  }
  const headers = Object.fromEntries(response.headers);
  return { status: response.status, contentType: headers['content-type'], headers, body };
}

const cp = (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { 'X-API-Key': local.apiKey, ...init.headers } });

/** A sandbox created through `base`: the create answer itself must conform (no drift lands there). */
async function createSandbox(base: string): Promise<Created> {
  const answer = await answerOf(
    await cp(base, '/v1/sandboxes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template_name: 'code-interpreter' }),
    }),
  );
  expect(answer.status).toBe(201);
  expect(validator.validateResponse(operation('POST /v1/sandboxes'), answer)).toEqual([]);
  return answer.body as Created;
}

/** Reads an event stream until an event's data satisfies `wanted`, running `meanwhile` once connected. */
async function firstEvent(
  base: string,
  wanted: (data: Record<string, unknown>) => boolean,
  meanwhile: () => Promise<void>,
): Promise<Record<string, unknown>> {
  const abort = new AbortController();
  const response = await cp(base, '/v1/sandboxes/stream', {
    headers: { accept: 'text/event-stream' },
    signal: abort.signal,
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let found: Record<string, unknown> | undefined;
  const parser = createParser({
    onEvent(event) {
      const data = JSON.parse(event.data);
      if (!found && wanted(data)) found = data;
    },
  });
  // The local HopX subscribes before it answers: what `meanwhile` causes cannot be missed.
  await meanwhile();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!found) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the event stream ended before the expected event');
      parser.feed(value);
    }
  } finally {
    abort.abort();
  }
  return found;
}

/** One raw `/execute/stream` session: every server message until `complete`, then a normal close. */
function executeStream(publicHost: string, token: string, code: string): Promise<Record<string, unknown>[]> {
  const ws = new WebSocket(`${publicHost.replace(/^http/, 'ws')}/execute/stream`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const messages: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'execute', code, language: 'python' })));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      messages.push(message);
      if (message.type === 'complete') ws.close(1000);
    });
    ws.once('close', () => resolve(messages));
  });
}

describe('with no drift', () => {
  it('relays the Control Plane and puts itself in front of every agent it names', async () => {
    await withProxy('none', async (proxy) => {
      const sandbox = await createSandbox(proxy.url);
      const direct = (await (await cp(local.url, `/v1/sandboxes/${sandbox.id}`)).json()) as Created;
      expect(sandbox.public_host).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.public_host).not.toBe(direct.public_host);

      const got = await answerOf(await cp(proxy.url, `/v1/sandboxes/${sandbox.id}`));
      expect(validator.validateResponse(operation('GET /v1/sandboxes/{id}'), got)).toEqual([]);
      expect(got.body).toMatchObject({ public_host: sandbox.public_host, direct_url: sandbox.public_host });
      const list = await answerOf(await cp(proxy.url, '/v1/sandboxes'));
      const listed = (list.body as { data: Created[] }).data.find((s) => s.id === sandbox.id);
      expect(listed?.public_host).toBe(sandbox.public_host);

      const run = await answerOf(
        await fetch(`${sandbox.public_host}/execute`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${sandbox.auth_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'print(6 * 7)', language: 'python' }),
        }),
      );
      expect(run.body).toMatchObject({ stdout: '42\n', exit_code: 0 });
      expect(validator.validateResponse(operation('POST /execute'), run)).toEqual([]);
      expect(proxy.altered()).toBe(0);
    });
  });

  it('streams a multipart upload of unknown length, and the download, through the agent listener', async () => {
    await withProxy('none', async (proxy) => {
      const sandbox = await createSandbox(proxy.url);
      const bytes = Buffer.alloc(256 * 1024, 'hopx-');
      const form = new FormData();
      form.set('path', '/workspace/through-proxy.bin');
      form.set('file', new Blob([bytes]), 'through-proxy.bin');
      // As a stream, the body goes out chunked, without a Content-Length (as uploadFile sends it).
      const multipart = new Response(form);
      const auth = { Authorization: `Bearer ${sandbox.auth_token}` };
      const upload = await fetch(`${sandbox.public_host}/files/upload`, {
        method: 'POST',
        headers: { ...auth, 'content-type': multipart.headers.get('content-type')! },
        body: multipart.body,
        duplex: 'half',
      } as RequestInit);
      expect(upload.status).toBe(200);
      const back = await fetch(`${sandbox.public_host}/files/download?path=/workspace/through-proxy.bin`, {
        headers: auth,
      });
      expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
    });
  });

  it('passes an event through as it comes, on a stream that stays open', async () => {
    await withProxy('none', async (proxy) => {
      let id = '';
      const event = await firstEvent(
        proxy.url,
        (data) => data.sandbox_id === id && data.type === 'sandbox.created',
        async () => {
          id = (await createSandbox(proxy.url)).id;
        },
      );
      expect(validator.validateEvent(operation('GET /v1/sandboxes/stream'), event)).toEqual([]);
      expect(proxy.altered()).toBe(0);
    });
  });

  it('relays WebSocket frames, refusals and close codes both ways', async () => {
    await withProxy('none', async (proxy) => {
      const sandbox = await createSandbox(proxy.url);
      const messages = await executeStream(sandbox.public_host, sandbox.auth_token, 'print(6 * 7)');
      // Output may come in more than one chunk (a loaded machine): the kinds, in order, and the text.
      expect([...new Set(messages.map((m) => m.type))]).toEqual(['stdout', 'result', 'complete']);
      expect(
        messages
          .filter((m) => m.type === 'stdout')
          .map((m) => (m as { data?: string }).data)
          .join(''),
      ).toBe('42\n');
      for (const message of messages)
        expect(validator.validateFrame(operation('GET /execute/stream'), 'server', message)).toEqual([]);

      // No token: the agent's 401 and its body come back as the agent sent them.
      const refused = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${sandbox.public_host.replace(/^http/, 'ws')}/execute/stream`);
        ws.once('error', reject);
        ws.once('unexpected-response', (_request, response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk;
          });
          response.on('end', () => {
            resolve({ status: response.statusCode, body });
            ws.terminate();
          });
        });
      });
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: expect.any(String) });

      // The terminal closes with 1007 and a reason on a message that breaks the spec.
      const terminal = new WebSocket(`${sandbox.public_host.replace(/^http/, 'ws')}/terminal`, {
        headers: { Authorization: `Bearer ${sandbox.auth_token}` },
      });
      await new Promise((resolve) => terminal.once('open', resolve));
      terminal.send(JSON.stringify({ type: 'no-such-message' }));
      const [code, reason] = await new Promise<[number, string]>((resolve) =>
        terminal.once('close', (closeCode, closeReason) => resolve([closeCode, closeReason.toString()])),
      );
      expect(code).toBe(1007);
      expect(reason).toMatch(/spec/);
    });
  });

  it('close() ends open streams and sockets at once', async () => {
    const proxy = await startDriftingProxy(local.url, 'none');
    const sandbox = await createSandbox(proxy.url);
    const stream = await cp(proxy.url, '/v1/sandboxes/stream', { headers: { accept: 'text/event-stream' } });
    const terminal = new WebSocket(`${sandbox.public_host.replace(/^http/, 'ws')}/terminal`, {
      headers: { Authorization: `Bearer ${sandbox.auth_token}` },
    });
    await new Promise((resolve) => terminal.once('open', resolve));
    const socketClosed = new Promise((resolve) => terminal.once('close', resolve));
    const streamEnded = (async () => {
      const reader = stream.body!.getReader();
      try {
        while (!(await reader.read()).done) {
          // Read until the proxy ends it.
        }
      } catch {
        // Cut off: that is the end too.
      }
    })();
    const started = Date.now();
    await proxy.close();
    await Promise.all([socketClosed, streamEnded]);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${proxy.url}/v1/sandboxes`)).rejects.toThrow();
  });
});

describe('each drift breaks the spec where EXPECTED says', () => {
  const sandboxDrifts = [
    'missing-required-field',
    'wrong-type',
    'bad-date-time',
    'undocumented-status',
    'wrong-content-type',
  ] as const;

  it.each(sandboxDrifts)('%s', async (drift) => {
    await withProxy(drift, async (proxy) => {
      const { operation: key, pointer } = EXPECTED[drift];
      const sandbox = await createSandbox(proxy.url);
      const path = `/v1/sandboxes/${sandbox.id}`;
      // The local HopX answers this call within the spec: the violation is the proxy's doing.
      expect(validator.validateResponse(operation(key), await answerOf(await cp(local.url, path)))).toEqual([]);
      const drifted = await answerOf(await cp(proxy.url, path));
      const found = validator.validateResponse(operation(key), drifted);
      expect(found.map((v) => ({ operation: v.operation, pointer: v.pointer }))).toEqual([{ operation: key, pointer }]);
      expect(proxy.altered()).toBeGreaterThan(0);
    });
  });

  // Open sets and open objects: the validator accepts both, so the value itself is what to find.
  it.each([
    ['unknown-enum-value', 'status', 'hibernating'],
    ['undeclared-field', 'gpu_count', 0],
  ] as const)('%s (within the open schema: %s is %s)', async (drift, field, value) => {
    await withProxy(drift, async (proxy) => {
      const { operation: key, pointer } = EXPECTED[drift];
      expect(pointer).toBe(`/body/${field}`);
      const sandbox = await createSandbox(proxy.url);
      const drifted = await answerOf(await cp(proxy.url, `/v1/sandboxes/${sandbox.id}`));
      expect(drifted.body).toMatchObject({ [field]: value });
      expect(validator.validateResponse(operation(key), drifted)).toEqual([]);
      expect(proxy.altered()).toBeGreaterThan(0);
    });
  });

  it('sse-event-shape', async () => {
    await withProxy('sse-event-shape', async (proxy) => {
      const { operation: key, pointer } = EXPECTED['sse-event-shape'];
      let id = '';
      const event = await firstEvent(
        proxy.url,
        (data) => data.sandbox_id === id,
        async () => {
          id = (await createSandbox(proxy.url)).id;
        },
      );
      expect(typeof event.timestamp).toBe('number');
      const found = validator.validateEvent(operation(key), event);
      expect(found.map((v) => ({ operation: v.operation, pointer: v.pointer }))).toEqual([{ operation: key, pointer }]);
      expect(proxy.altered()).toBeGreaterThan(0);
    });
  });

  it('ws-frame-missing-field', async () => {
    await withProxy('ws-frame-missing-field', async (proxy) => {
      const { operation: name, pointer } = EXPECTED['ws-frame-missing-field'];
      const sandbox = await createSandbox(proxy.url);
      const messages = await executeStream(sandbox.public_host, sandbox.auth_token, 'print(6 * 7)');
      const result = messages.find((m) => m.type === 'result');
      expect(result).toBeDefined();
      expect(result).not.toHaveProperty('exit_code');
      const check = (message: unknown) => validator.validateFrame(operation('GET /execute/stream'), 'server', message);
      expect(check(result)).toContainEqual(
        expect.objectContaining({ operation: name, pointer, message: expect.stringMatching(/exit_code/) }),
      );
      // Only the `result` was altered.
      for (const message of messages.filter((m) => m !== result)) expect(check(message)).toEqual([]);
      expect(proxy.altered()).toBe(1);
    });
  });
});
