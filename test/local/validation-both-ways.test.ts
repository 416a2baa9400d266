// The local HopX checks every request and every answer against the spec: a request that breaks it
// gets 400 with the violations, and an answer the emulator built wrongly never reaches the client as
// if it were fine: it becomes a loud 500 naming the violation, and is counted in violations().
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BadRequestError, createControlPlaneClient, InternalServerError } from '../../src/index.js';
import type { Local } from '../../src/local/context.js';
import { json } from '../../src/local/context.js';
import { requestHandler } from '../../src/local/http-pipeline.js';
import { startLocalHopx } from '../../src/local/index.js';
import { Router } from '../../src/local/router.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

describe('requests are checked against the spec', () => {
  it('a query parameter of the wrong type is 400 INVALID_REQUEST naming it', async () => {
    const result = await fetch(`${harness.local.url}/v1/sandboxes?limit=many`, {
      headers: { 'X-API-Key': harness.local.apiKey },
    });
    expect(result.status).toBe(400);
    const body = await result.json();
    expect(body).toMatchObject({
      code: 'INVALID_REQUEST',
      details: { violations: [{ pointer: '/query/limit', message: 'must be integer' }] },
    });
  });

  it('a body that breaks its schema is 400, through the typed client as BadRequestError', async () => {
    const hopx = createControlPlaneClient({
      apiKey: harness.local.apiKey,
      baseUrl: harness.local.url,
      throwOnError: true,
    });
    const error = await hopx
      .PUT('/v1/sandboxes/{id}/timeout', {
        params: { path: { id: '1' } },
        body: { timeout_seconds: 'soon' as unknown as number },
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('/body/timeout_seconds must be integer');
  });

  it('a body that is not JSON is 400 INVALID_JSON', async () => {
    const result = await fetch(`${harness.local.url}/v1/sandboxes`, {
      method: 'POST',
      headers: { 'X-API-Key': harness.local.apiKey, 'content-type': 'application/json' },
      body: '{"template_name": ',
    });
    expect(result.status).toBe(400);
    expect((await result.json()).code).toBe('INVALID_JSON');
  });
});

describe('answers are checked against the spec', () => {
  // A Control Plane whose listTemplates handler answers something the spec does not allow.
  const broken = (async () => {
    const local = (await startLocalHopx()) as unknown as Local & {
      close(): Promise<void>;
      violations(): readonly unknown[];
    };
    let port = 0;
    const server = createServer(
      requestHandler(
        local,
        { kind: 'control-plane', router: new Router(local.validator.operations, 'control-plane'), port: () => port },
        {
          handlers: { listTemplates: () => json(200, { object: 'list', data: 'not a list' }) },
          allowedHosts: [],
          latencyMs: 0,
        },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return { local, server, url: `http://127.0.0.1:${port}` };
  })();
  afterAll(async () => {
    const { local, server } = await broken;
    server.close();
    await local.close();
  });

  it('an answer that breaks its schema becomes a 500 naming the violation, and is counted', async () => {
    const { local, url } = await broken;
    const hopx = createControlPlaneClient({ apiKey: local.apiKey, baseUrl: url, throwOnError: true, maxRetries: 0 });
    const error = await hopx.GET('/v1/templates').catch((e) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toContain(
      'the local HopX built an answer that breaks the spec: /body/data must be array,null',
    );
    expect(local.violations()).toEqual([
      expect.objectContaining({
        in: 'response',
        operation: 'GET /v1/templates',
        pointer: '/body/data',
        message: 'must be array,null',
      }),
    ]);
  });
});
