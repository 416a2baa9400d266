// Faults on demand, for testing an app's retry, resume and timeout paths against the local HopX:
// `Prefer: code=…` answers that status without acting, `delay=` waits, `drop` drops the connection,
// and server-wide latency slows every answer.
import { describe, expect, it } from 'vitest';
import {
  createControlPlaneClient,
  HopxConnectionError,
  HopxTimeoutError,
  RateLimitError,
  ServiceUnavailableError,
} from '../../src/index.js';
import { startLocalHopx } from '../../src/local/index.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();
const client = (maxRetries = 0, timeout?: number) =>
  createControlPlaneClient({
    apiKey: harness.local.apiKey,
    baseUrl: harness.local.url,
    throwOnError: true,
    maxRetries,
    ...(timeout ? { timeout } : {}),
  });

describe('Prefer faults', () => {
  it('code=503 answers 503 without creating anything, and the client retries it', async () => {
    const attempts: number[] = [];
    const hopx = createControlPlaneClient({
      apiKey: harness.local.apiKey,
      baseUrl: harness.local.url,
      throwOnError: true,
      maxRetries: 2,
      log: (entry) => {
        if (entry.type === 'response') attempts.push(entry.status);
      },
    });
    const error = await hopx.GET('/v1/sandboxes', { headers: { Prefer: 'code=503' } }).catch((e) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(attempts).toEqual([503, 503, 503]);
    const notCreated = await client()
      .POST('/v1/sandboxes', { body: { template_name: 'base' }, headers: { Prefer: 'code=503' } })
      .catch((e) => e);
    expect(notCreated.status).toBe(503);
    expect((await client().GET('/v1/sandboxes')).data).toEqual([]);
  });

  it('code=429 with retry-after: RateLimitError carrying the wait', async () => {
    const error = await client()
      .GET('/v1/templates', { headers: { Prefer: 'code=429, retry-after=7' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(7);
  });

  it('delay= holds the answer back: a client with a shorter timeout times out', async () => {
    const started = Date.now();
    await client().GET('/v1/templates', { headers: { Prefer: 'delay=300' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(client(0, 100).GET('/v1/templates', { headers: { Prefer: 'delay=1000' } })).rejects.toBeInstanceOf(
      HopxTimeoutError,
    );
  });

  it('drop drops the connection without an answer', async () => {
    await expect(client().GET('/v1/templates', { headers: { Prefer: 'drop' } })).rejects.toBeInstanceOf(
      HopxConnectionError,
    );
  });
});

describe('server-wide latency and reset', () => {
  it('latencyMs slows every answer', async () => {
    const slow = await startLocalHopx({ latencyMs: 200 });
    try {
      const hopx = createControlPlaneClient({ apiKey: slow.apiKey, baseUrl: slow.url, throwOnError: true });
      const started = Date.now();
      await hopx.GET('/v1/templates');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await slow.close();
    }
  });

  it('reset() deletes every sandbox (their folders too) and keeps the built-in templates', async () => {
    const { hopx, local } = harness;
    await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
    await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } });
    expect((await hopx.GET('/v1/sandboxes')).data).toHaveLength(2);
    await local.reset();
    expect((await hopx.GET('/v1/sandboxes')).data).toEqual([]);
    expect((await hopx.GET('/v1/templates')).data?.map((t) => t.name)).toEqual(['code-interpreter', 'base']);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(`${local.dataDir}/sandboxes`)).toEqual([]);
  });
});
