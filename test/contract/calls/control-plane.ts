// Contract calls for every Control Plane operation (`/v1/...` and `GET /health`).
import { expect } from 'vitest';
import {
  ConflictError,
  type components,
  NotFoundError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
  SandboxExpiredError,
  SandboxNotFoundError,
} from '../../../src/index.js';
import { type ContractCall, SANDBOX_ID } from '../contract-harness.js';

const path = { id: SANDBOX_ID };
const BUILD_ID = '1187';
const sse = { headers: { Accept: 'text/event-stream' }, parseAs: 'text' } as const;
const prefer = (value: string) => ({ Prefer: value });

/** The spec's `python` example of `POST /v1/templates/build`. */
const buildRequest: components['schemas']['TemplateBuildRequest'] = {
  name: 'my-python-env',
  from_image: 'python:3.11-slim',
  steps: [
    { type: 'RUN', args: ['pip install --no-cache-dir numpy pandas fastapi uvicorn'] },
    {
      type: 'COPY',
      args: ['app,requirements.txt', '/workspace'],
      filesHash: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
    },
    { type: 'ENV', args: ['APP_ENV', 'production'] },
    { type: 'WORKDIR', args: ['/workspace'] },
    { type: 'USER', args: ['user'] },
  ],
  startCmd: 'uvicorn app.main:app --host 0.0.0.0 --port 8000',
  readyCmd: { type: 'port', port: 8000, timeout: 30000, interval: 2000 },
  cpu: 2,
  memory: 2048,
  diskGB: 10,
  skipCache: false,
  update: false,
  agent_version: '3.2.8',
};

export const controlPlaneCalls: ContractCall[] = [
  // Health
  {
    operation: 'GET /health',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/health');
      expect(response.status).toBe(200);
      expect(data?.status).toBe('ok');
      expect(data?.version).toBe('2025-10-21');
    },
  },

  // Sandboxes
  {
    operation: 'GET /v1/sandboxes',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/sandboxes', {
        params: { query: { limit: 20, status: 'running', region: 'eu-1001' } },
      });
      expect(response.status).toBe(200);
      expect(data?.data?.[0]?.id).toBe(SANDBOX_ID);
      expect(data?.has_more).toBe(true);
      expect(data?.next_cursor).toBe('eyJpZCI6IjE3NjEwNDgxMjlkc2FxYXY0biJ9');
    },
  },
  {
    operation: 'GET /v1/sandboxes',
    name: 'an empty page has null data',
    async run({ controlPlaneOrThrow }) {
      const page = await controlPlaneOrThrow.GET('/v1/sandboxes', {
        params: { query: { cursor: 'eyJpZCI6IjE3NjEwNDgxMjlkc2FxYXY0biJ9' } },
        headers: prefer('example=empty'),
      });
      expect(page.data).toBeNull();
      expect(page.has_more).toBe(false);
    },
  },
  {
    operation: 'GET /v1/sandboxes',
    name: '429 rejects with RateLimitError carrying Retry-After',
    async run({ controlPlaneOrThrow }) {
      const error = await controlPlaneOrThrow
        .GET('/v1/sandboxes', { headers: prefer('code=429') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).status).toBe(429);
      expect((error as RateLimitError).retryAfter).toBe(30);
      expect((error as RateLimitError).body.error).toBe('Rate limit exceeded: 100 requests per minute');
    },
  },
  {
    operation: 'POST /v1/sandboxes',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.POST('/v1/sandboxes', {
        body: {
          template_id: '291',
          timeout_seconds: 3600,
          internet_access: true,
          env_vars: { APP_ENV: 'staging', LOG_LEVEL: 'debug' },
        },
      });
      expect(response.status).toBe(201);
      expect(data?.id).toBe(SANDBOX_ID);
      expect(data?.template_name).toBe('code-interpreter');
      expect(data?.auth_token).toMatch(/^eyJ/);
    },
  },
  {
    operation: 'POST /v1/sandboxes',
    name: '402 rejects with PaymentRequiredError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.POST('/v1/sandboxes', {
        body: { template_name: 'code-interpreter' },
        headers: prefer('code=402'),
      });
      await expect(promise).rejects.toBeInstanceOf(PaymentRequiredError);
      await expect(promise).rejects.toMatchObject({
        status: 402,
        body: { error: 'Insufficient credits to create a sandbox' },
      });
    },
  },
  {
    operation: 'GET /v1/sandboxes/stream',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/sandboxes/stream', {
        params: { query: { status: 'running', region: 'eu-1001' }, header: { 'Last-Event-ID': '1761048130000-1' } },
        ...sse,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(data).toContain('data: {');
      expect(data).toContain('event: sandbox.created');
    },
  },
  {
    operation: 'GET /v1/sandboxes/{id}',
    async run({ controlPlaneOrThrow }) {
      const sandbox = await controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path } });
      expect(sandbox.id).toBe(SANDBOX_ID);
      expect(sandbox.status).toBe('paused');
      expect(sandbox.public_host).toBe('https://7777-1761048129dsaqav4n.eu-1001.vms.hopx.dev');
    },
  },
  {
    operation: 'GET /v1/sandboxes/{id}',
    name: '404 rejects with SandboxNotFoundError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path }, headers: prefer('code=404') });
      await expect(promise).rejects.toBeInstanceOf(SandboxNotFoundError);
      await expect(promise).rejects.toMatchObject({ status: 404, code: 'SANDBOX_NOT_FOUND' });
    },
  },
  {
    operation: 'GET /v1/sandboxes/{id}',
    name: '410 rejects with SandboxExpiredError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path }, headers: prefer('code=410') });
      await expect(promise).rejects.toBeInstanceOf(SandboxExpiredError);
    },
  },
  {
    operation: 'DELETE /v1/sandboxes/{id}',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.DELETE('/v1/sandboxes/{id}', { params: { path } });
      expect(response.status).toBe(200);
      expect(data?.id).toBe(SANDBOX_ID);
      expect(data?.message).toBe('Sandbox deleted');
    },
  },
  {
    operation: 'DELETE /v1/sandboxes/{id}',
    name: '404 returns the ErrorResponse body',
    async run({ controlPlane }) {
      const { data, error, response } = await controlPlane.DELETE('/v1/sandboxes/{id}', {
        params: { path },
        headers: prefer('code=404'),
      });
      expect(response.status).toBe(404);
      expect(data).toBeUndefined();
      expect(error?.code).toBe('SANDBOX_NOT_FOUND');
      expect(error?.error).toBe('Sandbox 1761048129dsaqav4n not found');
    },
  },
  {
    operation: 'GET /v1/sandboxes/{id}/metrics/stream',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/sandboxes/{id}/metrics/stream', {
        params: { path, query: { interval: 5 } },
        ...sse,
      });
      expect(response.status).toBe(200);
      expect(data).toContain('data: {');
      expect(data).toContain('event: sandbox.metrics');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/pause',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.POST('/v1/sandboxes/{id}/pause', { params: { path } });
      expect(response.status).toBe(200);
      expect(data?.id).toBe(SANDBOX_ID);
      expect(data?.status).toBe('paused');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/pause',
    name: '409 returns a conflict error',
    async run({ controlPlane }) {
      const { error, response } = await controlPlane.POST('/v1/sandboxes/{id}/pause', {
        params: { path },
        headers: prefer('code=409'),
      });
      expect(response.status).toBe(409);
      expect(error?.error).toContain('already exists');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/resume',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.POST('/v1/sandboxes/{id}/resume', { params: { path } });
      expect(response.status).toBe(200);
      expect(data?.status).toBe('running');
      expect(data?.message).toBe('Sandbox resumed');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/start',
    name: 'deprecated',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.POST('/v1/sandboxes/{id}/start', { params: { path } });
      expect(response.status).toBe(200);
      expect(data?.status).toBe('running');
      expect(data?.message).toBe('Sandbox started');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/stop',
    name: 'deprecated',
    async run({ controlPlaneOrThrow }) {
      const result = await controlPlaneOrThrow.POST('/v1/sandboxes/{id}/stop', { params: { path } });
      expect(result.id).toBe(SANDBOX_ID);
      expect(result.status).toBe('stopped');
    },
  },
  {
    operation: 'PUT /v1/sandboxes/{id}/timeout',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.PUT('/v1/sandboxes/{id}/timeout', {
        params: { path },
        body: { timeout_seconds: 600 },
      });
      expect(response.status).toBe(200);
      expect(data?.timeout_seconds).toBe(600);
      expect(data?.expires_at).toBe('2025-10-21T14:42:05Z');
    },
  },
  {
    operation: 'POST /v1/sandboxes/{id}/token/refresh',
    async run({ controlPlaneOrThrow }) {
      const token = await controlPlaneOrThrow.POST('/v1/sandboxes/{id}/token/refresh', { params: { path } });
      expect(token.auth_token).toMatch(/^eyJ/);
      expect(token.token_expires_at).toBe('2025-10-22T13:02:09Z');
    },
  },

  // Templates
  {
    operation: 'GET /v1/templates',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates', {
        params: { query: { category: 'development', language: 'python' } },
      });
      expect(response.status).toBe(200);
      expect(data?.data?.map((t) => t.name)).toEqual(['code-interpreter', 'my-python-env']);
      expect(data?.data?.[0]?.default_resources?.vcpu).toBe(2);
    },
  },
  {
    operation: 'GET /v1/templates/stream',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates/stream', {
        params: { header: { 'Last-Event-ID': '1761057372000-3' } },
        ...sse,
      });
      expect(response.status).toBe(200);
      expect(data).toContain('data: {');
      expect(data).toContain('event: template.status_changed');
    },
  },
  {
    operation: 'GET /v1/templates/{name}',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates/{name}', {
        params: { path: { name: 'code-interpreter' } },
      });
      expect(response.status).toBe(200);
      expect(data?.id).toBe('291');
      expect(data?.name).toBe('code-interpreter');
      expect(data?.status).toBe('active');
    },
  },
  {
    operation: 'GET /v1/templates/{name}',
    name: '404 rejects with NotFoundError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.GET('/v1/templates/{name}', {
        params: { path: { name: 'no-such-template' } },
        headers: prefer('code=404'),
      });
      await expect(promise).rejects.toBeInstanceOf(NotFoundError);
    },
  },
  {
    operation: 'DELETE /v1/templates/{name}',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.DELETE('/v1/templates/{name}', {
        params: { path: { name: '318' } },
      });
      expect(response.status).toBe(200);
      expect(data?.id).toBe('318');
      expect(data?.deleted).toBe(true);
    },
  },
  {
    operation: 'DELETE /v1/templates/{name}',
    name: '403 on a public template rejects with PermissionDeniedError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.DELETE('/v1/templates/{name}', {
        params: { path: { name: 'code-interpreter' } },
        headers: prefer('code=403, example=permissionDenied'),
      });
      await expect(promise).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(promise).rejects.toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    },
  },

  // Template builds
  {
    operation: 'POST /v1/templates/files/upload-link',
    async run({ controlPlane }) {
      const files_hash = '9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
      const { data, response } = await controlPlane.POST('/v1/templates/files/upload-link', {
        body: { files_hash, content_length: 48213 },
      });
      expect(response.status).toBe(200);
      expect(data?.present).toBe(false);
      expect(data?.files_hash).toBe(files_hash);
      expect(data?.upload_url).toMatch(/^https:\/\/files\.hopx\.dev\//);
    },
  },
  {
    operation: 'POST /v1/templates/build',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.POST('/v1/templates/build', { body: buildRequest });
      expect(response.status).toBe(201);
      expect(data?.build_id).toBe(BUILD_ID);
      expect(data?.template_id).toBe('318');
      expect(data?.status).toBe('building');
    },
  },
  {
    operation: 'POST /v1/templates/build',
    name: '409 on an existing name rejects with ConflictError',
    async run({ controlPlaneOrThrow }) {
      const promise = controlPlaneOrThrow.POST('/v1/templates/build', {
        body: buildRequest,
        headers: prefer('code=409'),
      });
      await expect(promise).rejects.toBeInstanceOf(ConflictError);
      await expect(promise).rejects.toMatchObject({
        status: 409,
        body: { error: 'Template my-python-env already exists; set update: true to rebuild it' },
      });
    },
  },
  {
    operation: 'GET /v1/templates/build/{buildID}/status',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates/build/{buildID}/status', {
        params: { path: { buildID: BUILD_ID } },
      });
      expect(response.status).toBe(200);
      expect(data?.build_id).toBe(BUILD_ID);
      expect(data?.status).toBe('building');
      expect(data?.progress).toBe(40);
    },
  },
  {
    operation: 'GET /v1/templates/build/{buildID}/status',
    name: 'a failed build reports its error message',
    async run({ controlPlaneOrThrow }) {
      const status = await controlPlaneOrThrow.GET('/v1/templates/build/{buildID}/status', {
        params: { path: { buildID: BUILD_ID } },
        headers: prefer('example=failed'),
      });
      expect(status.status).toBe('failed');
      expect(status.error_message).toBe('Step 1 failed: command exited with status 1');
    },
  },
  {
    operation: 'GET /v1/templates/build/{buildID}/logs',
    name: 'JSON offset polling',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates/build/{buildID}/logs', {
        params: { path: { buildID: BUILD_ID }, query: { offset: 0 } },
      });
      expect(response.status).toBe(200);
      // The route also declares text/event-stream, so `data` is typed as the union of both bodies.
      expect(data).toMatchObject({ offset: 3, complete: false, logs: expect.stringContaining('Step 1/5') });
    },
  },
  {
    operation: 'GET /v1/templates/build/{buildID}/logs',
    name: 'event stream',
    async run({ controlPlane }) {
      const { data, response } = await controlPlane.GET('/v1/templates/build/{buildID}/logs', {
        params: { path: { buildID: BUILD_ID }, header: { 'Last-Event-ID': '1187-42' } },
        ...sse,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(data).toContain('data: {');
      expect(data).toContain('"complete":true');
    },
  },
];
