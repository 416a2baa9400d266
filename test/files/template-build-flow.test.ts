// The template build flow (WIRE.md §E.3) against a scripted Control Plane on 127.0.0.1 that also
// plays the presigned object store: upload link, PUT of the tar.gz (no HopX credential), build
// request, status polls, the log (event stream or JSON polling) and two consecutive active polls.
// Every answer the server gives is checked against the spec's schemas, and so is every request body.
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BuildLogEvent,
  ConflictError,
  type components,
  createControlPlaneClient,
  HopxApiError,
  HopxConfigError,
  HopxConnectionError,
  HopxLocalFileError,
  HopxRedirectError,
  PermissionDeniedError,
} from '../../src/index.js';
import { buildTemplate, HopxTemplateBuildError, type TemplateDefinition } from '../../src/template-build/index.js';
import { type ScriptedServer, type SeenRequest, sendJson, startScriptedServer } from '../support/scripted-server.js';
import { assertMatchesSchema } from '../support/spec-schemas.js';
import {
  CONTEXT_FILES,
  expectedFilesHash,
  filesUnder,
  makeContext,
  readTarGz,
  sha256Hex,
  type TempContext,
} from './template-support.js';

type BuildStatus = components['schemas']['TemplateBuildStatus'];

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const BUILD_ID = '1187';
const TEMPLATE_ID = '318';
const SIGNATURE = 'secret123';
const POLL = 20;

const LINES = [
  'Step 1/6: RUN pip install --no-cache-dir numpy',
  'Collecting numpy',
  'Successfully installed numpy-2.1.2',
  'Step 2/6: COPY app,requirements.txt /workspace',
  'Step 6/6: CMD python app/main.py',
  '✅ Build completed in 12s',
];
const FAILED_LINES = [
  'Step 1/6: RUN pip install --no-cache-dir numpy',
  'Collecting numpy',
  'ERROR: Could not find a version that satisfies the requirement numpy==9.9',
  '❌ Step 1 failed: command exited with status 1',
];

interface Script {
  /** How the logs route answers an event-stream request (a plain JSON request always gets the whole log). */
  logs?: 'sse' | 'json' | 'json-paged';
  lines?: string[];
  /** Build statuses in order; the last one repeats. */
  statuses?: Array<{ status: BuildStatus; error_message?: string }>;
  /** Template states in order; the last one repeats. */
  templates?: Array<{ status: components['schemas']['TemplateStatus']; is_active: boolean }>;
  /** Which ids the logs route answers under (default both, the build's and the template's). */
  logIds?: string[];
  present?: (filesHash: string) => boolean;
  put?: (res: ServerResponse, url: string) => void;
  build?: (res: ServerResponse) => void;
}

let server: ScriptedServer | undefined;
let ctx: TempContext;
beforeEach(async () => {
  ctx = await makeContext();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await ctx.cleanup();
});

const json = (request: SeenRequest) => JSON.parse(request.body.toString('utf8'));
const pathOf = (request: SeenRequest) => request.url.split('?')[0]!;
const route = (request: SeenRequest) => `${request.method} ${pathOf(request)}`;

/** The scripted Control Plane; it also serves the presigned PUT under /r2/. */
async function startControlPlane(script: Script = {}) {
  const lines = script.lines ?? LINES;
  const statuses = script.statuses ?? [{ status: 'building' }, { status: 'building' }, { status: 'active' }];
  const finalStatus = statuses[statuses.length - 1]!.status;
  const templates = script.templates ?? [{ status: 'active', is_active: true }];
  const logIds = script.logIds ?? [BUILD_ID, TEMPLATE_ID];
  let statusCalls = 0;
  let templateCalls = 0;
  const buildOver = () => statusCalls >= statuses.length;
  const split = 3;

  server = await startScriptedServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'POST' && path === '/v1/templates/files/upload-link') {
      const body = JSON.parse(req.body.toString('utf8'));
      assertMatchesSchema('TemplateUploadLinkRequest', body);
      const answer = script.present?.(body.files_hash)
        ? { present: true, files_hash: body.files_hash, request_id: 'req_link' }
        : {
            present: false,
            upload_url: `${server!.url}/r2/template-files/${body.files_hash}.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${SIGNATURE}`,
            expires_at: '2099-01-01T00:00:00Z',
            files_hash: body.files_hash,
            request_id: 'req_link',
          };
      assertMatchesSchema('TemplateUploadLinkResponse', answer);
      return sendJson(res, 200, answer);
    }
    if (req.method === 'PUT' && path.startsWith('/r2/template-files/')) {
      if (script.put) return script.put(res, req.url ?? '');
      res.writeHead(200, { etag: '"9f2c4e7a"', 'content-length': '0' });
      res.end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/templates/build') {
      assertMatchesSchema('TemplateBuildRequest', JSON.parse(req.body.toString('utf8')));
      if (script.build) return script.build(res);
      const answer = {
        build_id: BUILD_ID,
        template_id: TEMPLATE_ID,
        status: 'building',
        logs_url: `/v1/templates/build/${BUILD_ID}/logs`,
        request_id: 'req_build',
      };
      assertMatchesSchema('TemplateBuildResponse', answer);
      return sendJson(res, 201, answer);
    }
    if (req.method === 'GET' && path === `/v1/templates/build/${BUILD_ID}/status`) {
      const step = statuses[Math.min(statusCalls++, statuses.length - 1)]!;
      const answer = {
        build_id: BUILD_ID,
        template_id: TEMPLATE_ID,
        progress: step.status === 'building' ? 40 : 100,
        ...step,
      };
      assertMatchesSchema('BuildStatusResponse', answer);
      return sendJson(res, 200, answer);
    }
    const logs = /^\/v1\/templates\/build\/([^/]+)\/logs$/.exec(path);
    if (req.method === 'GET' && logs && logIds.includes(logs[1]!)) {
      const offset = Number(url.searchParams.get('offset') ?? '0');
      const wantsStream = String(req.headers.accept ?? '').includes('text/event-stream');
      if (wantsStream && script.logs === 'sse') return serveEventStream(res, lines, finalStatus);
      if (wantsStream && script.logs === 'json-paged') {
        // The log as it grows: the first lines while the build runs, the rest once it is over.
        const page =
          offset === 0
            ? { logs: `${lines.slice(0, split).join('\n')}\n`, offset: split, status: 'building', complete: false }
            : buildOver()
              ? {
                  logs: `${lines.slice(offset).join('\n')}\n`,
                  offset: lines.length,
                  status: finalStatus,
                  complete: true,
                }
              : { logs: '', offset, status: 'building', complete: false };
        assertMatchesSchema('TemplateBuildLogs', page);
        return sendJson(res, 200, page);
      }
      // The JSON form, the whole log from `offset`, once the build is over.
      const page = {
        logs: `${lines.slice(offset).join('\n')}\n`,
        offset: lines.length,
        status: finalStatus,
        complete: true,
      };
      assertMatchesSchema('TemplateBuildLogs', page);
      return sendJson(res, 200, page);
    }
    if (req.method === 'GET' && path === `/v1/templates/${TEMPLATE_ID}`) {
      const state = templates[Math.min(templateCalls++, templates.length - 1)]!;
      const answer = {
        id: TEMPLATE_ID,
        name: 'my-python-env',
        display_name: 'my-python-env',
        build_id: BUILD_ID,
        object: 'template',
        ...state,
      };
      assertMatchesSchema('Template', answer);
      return sendJson(res, 200, answer);
    }
    sendJson(res, 404, { error: `unexpected ${req.method} ${path}`, code: 'INVALID_REQUEST' });
  });
  return {
    server,
    controlPlane: createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0 }),
  };
}

function serveEventStream(res: ServerResponse, lines: string[], finalStatus: BuildStatus) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write('retry: 3000\n\n');
  lines.forEach((message, i) => {
    const last = i === lines.length - 1;
    const event = {
      offset: i + 1,
      message,
      level: /ERROR|❌/.test(message) ? 'ERROR' : 'INFO',
      status: last ? finalStatus : 'building',
      complete: last,
      timestamp: '2025-10-21T14:28:12Z',
    };
    assertMatchesSchema('TemplateBuildLogEvent', event);
    res.write(`id: ${BUILD_ID}-${i + 1}\nevent: log\ndata: ${JSON.stringify(event)}\n\n`);
  });
  res.end();
}

const DEFINITION: TemplateDefinition = {
  name: 'my-python-env',
  fromImage: 'python:3.11-slim',
  steps: [
    { run: 'pip install --no-cache-dir numpy' },
    { copy: ['app', 'requirements.txt'], to: '/workspace' },
    { env: { APP_ENV: 'production', DEBUG: '0' } },
    { workdir: '/workspace' },
    { user: 'user' },
    { cmd: ['python', 'app/main.py'] },
  ],
};

describe('a successful build', () => {
  it('upload link, presigned PUT, build request, status until active, the event-stream log, two active polls', async () => {
    const { server, controlPlane } = await startControlPlane({
      logs: 'sse',
      templates: [
        { status: 'publishing', is_active: false },
        { status: 'active', is_active: true },
      ],
    });
    const events: BuildLogEvent[] = [];
    const result = await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: (e) => events.push(e),
    });

    const filesHash = expectedFilesHash(ctx.dir, ['app', 'requirements.txt'], '/workspace');
    // Upload link, then the PUT, before the build starts.
    const order = server.seen.map(route);
    const link = order.indexOf('POST /v1/templates/files/upload-link');
    const put = order.indexOf(`PUT /r2/template-files/${filesHash}.tar.gz`);
    const build = order.indexOf('POST /v1/templates/build');
    expect(link).toBeGreaterThanOrEqual(0);
    expect(put).toBeGreaterThan(link);
    expect(build).toBeGreaterThan(put);

    const [putRequest] = server.seen.filter((r) => r.method === 'PUT');
    expect(json(server.seenAt('/v1/templates/files/upload-link')[0]!)).toEqual({
      files_hash: filesHash,
      content_length: putRequest!.body.length,
    });
    expect(putRequest!.url).toBe(
      `/r2/template-files/${filesHash}.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${SIGNATURE}`,
    );
    expect(putRequest!.headers['content-type']).toBe('application/gzip');
    expect(putRequest!.headers['content-length']).toBe(String(putRequest!.body.length));
    expect(putRequest!.headers['transfer-encoding']).toBeUndefined();
    expect(putRequest!.headers['x-api-key']).toBeUndefined();
    expect(putRequest!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(putRequest!.headers)).not.toContain(apiKey);
    expect([...putRequest!.body.subarray(0, 2)]).toEqual([0x1f, 0x8b]);

    // The Control Plane calls carry the API key.
    for (const request of server.seen.filter((r) => r.method !== 'PUT'))
      expect(request.headers['x-api-key'], route(request)).toBe(apiKey);

    expect(json(server.seenAt('/v1/templates/build')[0]!)).toEqual({
      name: 'my-python-env',
      from_image: 'python:3.11-slim',
      cpu: 2,
      memory: 2048,
      diskGB: 10,
      steps: [
        { type: 'RUN', args: ['pip install --no-cache-dir numpy'] },
        { type: 'COPY', args: ['app,requirements.txt', '/workspace'], filesHash },
        { type: 'ENV', args: ['APP_ENV', 'production'] },
        { type: 'ENV', args: ['DEBUG', '0'] },
        { type: 'WORKDIR', args: ['/workspace'] },
        { type: 'USER', args: ['user'] },
        { type: 'CMD', args: ['python', 'app/main.py'] },
      ],
    });

    // building, building, active: three status polls; publishing, active, active: three template polls.
    expect(server.seenAt(`/v1/templates/build/${BUILD_ID}/status`)).toHaveLength(3);
    expect(server.seenAt(`/v1/templates/${TEMPLATE_ID}`)).toHaveLength(3);
    expect(server.seen.map(route).lastIndexOf(`GET /v1/templates/build/${BUILD_ID}/status`)).toBeLessThan(
      server.seen.map(route).indexOf(`GET /v1/templates/${TEMPLATE_ID}`),
    );
    const logRequests = server.seen.filter((r) => /\/logs$/.test(pathOf(r)));
    expect(logRequests).toHaveLength(1);
    expect(logRequests[0]!.headers.accept).toContain('text/event-stream');

    expect(result.templateId).toBe(TEMPLATE_ID);
    expect(result.buildId).toBe(BUILD_ID);
    expect(result.build.status).toBe('active');
    expect(result.template.status).toBe('active');
    expect(result.template.is_active).toBe(true);
    expect(result.template.id).toBe(TEMPLATE_ID);

    expect(events.map((e) => e.message)).toEqual(LINES);
    expect(events.at(-1)!.complete).toBe(true);
  });

  it('uploads a tar.gz holding exactly the COPY sources, relative to the context, byte for byte', async () => {
    const { server, controlPlane } = await startControlPlane();
    await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL });
    const puts = server.seen.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    const { entries, files } = await readTarGz(puts[0]!.body);
    const expected = filesUnder(['app', 'requirements.txt']);
    expect(expected).not.toContain('secret.env');
    expect(entries.map((e) => e.path).sort()).toEqual(expected);
    expect(entries.every((e) => e.type === 'File')).toBe(true);
    expect([...files.keys()].sort()).toEqual(expected);
    for (const path of expected) expect(sha256Hex(files.get(path)!), path).toBe(sha256Hex(CONTEXT_FILES[path]!));
  });

  it('the JSON log form: falls back to polling and delivers every line once, in order', async () => {
    const { server, controlPlane } = await startControlPlane({ logs: 'json' });
    const events: BuildLogEvent[] = [];
    const result = await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: (e) => events.push(e),
    });
    expect(result.template.status).toBe('active');
    expect(events.map((e) => e.message)).toEqual(LINES);
    // One request: the event-stream request answered in JSON is used as the first (here the only) page.
    const logRequests = server.seen.filter((r) => /\/logs$/.test(pathOf(r)));
    expect(logRequests).toHaveLength(1);
    expect(logRequests[0]!.headers.accept).toContain('text/event-stream');
    expect(new URL(logRequests[0]!.url, 'http://x').searchParams.get('offset')).toBe('0');
  });

  it('the JSON log form growing while the build runs: the lines written at the end still reach onLog', async () => {
    const { server, controlPlane } = await startControlPlane({ logs: 'json-paged' });
    const events: BuildLogEvent[] = [];
    await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: (e) => events.push(e),
    });
    const offsets = server.seen
      .filter((r) => /\/logs$/.test(pathOf(r)))
      .map((r) => new URL(r.url, 'http://x').searchParams.get('offset'));
    expect(offsets[0]).toBe('0');
    expect(events.map((e) => e.message)).toEqual(LINES);
  });

  it('follows the log under the template id, as the spec and both SDKs address it', async () => {
    const { server, controlPlane } = await startControlPlane({ logs: 'sse', logIds: [TEMPLATE_ID] });
    const events: BuildLogEvent[] = [];
    await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: (e) => events.push(e),
    });
    const logPaths = server.seen.filter((r) => /\/logs$/.test(pathOf(r))).map(pathOf);
    expect(logPaths.length).toBeGreaterThanOrEqual(1);
    expect(new Set(logPaths)).toEqual(new Set([`/v1/templates/build/${TEMPLATE_ID}/logs`]));
    expect(events.map((e) => e.message)).toEqual(LINES);
  });

  it('waits for two consecutive active polls when the template flips back to publishing', async () => {
    const { server, controlPlane } = await startControlPlane({
      templates: [
        { status: 'publishing', is_active: false },
        { status: 'active', is_active: true },
        { status: 'publishing', is_active: false },
        { status: 'active', is_active: false },
        { status: 'active', is_active: true },
        { status: 'active', is_active: true },
      ],
    });
    const result = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL });
    expect(server.seenAt(`/v1/templates/${TEMPLATE_ID}`)).toHaveLength(6);
    expect(result.template.status).toBe('active');
    expect(result.template.is_active).toBe(true);
  });

  it('the same files copied twice are uploaded once; another destination is another hash and upload', async () => {
    const { server, controlPlane } = await startControlPlane();
    await buildTemplate(
      controlPlane,
      {
        name: 'dup',
        fromImage: 'python:3.11-slim',
        steps: [
          { copy: 'app', to: '/workspace' },
          { run: 'ls' },
          { copy: 'app', to: '/workspace' },
          { copy: 'app', to: '/opt/app', skipCache: true },
        ],
      },
      { contextDir: ctx.dir, pollInterval: POLL },
    );
    const first = expectedFilesHash(ctx.dir, ['app'], '/workspace');
    const second = expectedFilesHash(ctx.dir, ['app'], '/opt/app');
    expect(first).not.toBe(second);
    expect(server.seenAt('/v1/templates/files/upload-link').map((r) => json(r).files_hash)).toEqual([first, second]);
    expect(server.seen.filter((r) => r.method === 'PUT').map(pathOf)).toEqual([
      `/r2/template-files/${first}.tar.gz`,
      `/r2/template-files/${second}.tar.gz`,
    ]);
    expect(json(server.seenAt('/v1/templates/build')[0]!).steps).toEqual([
      { type: 'COPY', args: ['app', '/workspace'], filesHash: first },
      { type: 'RUN', args: ['ls'] },
      { type: 'COPY', args: ['app', '/workspace'], filesHash: first },
      { type: 'COPY', args: ['app', '/opt/app'], filesHash: second, skipCache: true },
    ]);
  });

  it('an archive the platform already has (present: true) is not uploaded', async () => {
    const { server, controlPlane } = await startControlPlane({ present: () => true });
    const result = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL });
    const filesHash = expectedFilesHash(ctx.dir, ['app', 'requirements.txt'], '/workspace');
    expect(server.seenAt('/v1/templates/files/upload-link')).toHaveLength(1);
    expect(json(server.seenAt('/v1/templates/files/upload-link')[0]!).files_hash).toBe(filesHash);
    expect(server.seen.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(json(server.seenAt('/v1/templates/build')[0]!).steps[1]).toEqual({
      type: 'COPY',
      args: ['app,requirements.txt', '/workspace'],
      filesHash,
    });
    expect(result.buildId).toBe(BUILD_ID);
  });

  it('sends the optional fields under their wire names', async () => {
    const { server, controlPlane } = await startControlPlane();
    await buildTemplate(
      controlPlane,
      {
        name: 'custom',
        fromImage: 'ghcr.io/acme/node-base:20',
        cpu: 4,
        memory: 4096,
        diskGB: 20,
        steps: [{ run: 'npm ci', skipCache: true }],
        startCmd: 'node server.js',
        readyCmd: { type: 'port', port: 3000 },
        registryCredentials: { type: 'basic', username: 'acme-bot', password: 'registry-password-123' },
        skipCache: true,
        update: true,
        agentVersion: '3.2.8',
      },
      { contextDir: ctx.dir, pollInterval: POLL },
    );
    expect(json(server.seenAt('/v1/templates/build')[0]!)).toEqual({
      name: 'custom',
      from_image: 'ghcr.io/acme/node-base:20',
      cpu: 4,
      memory: 4096,
      diskGB: 20,
      steps: [{ type: 'RUN', args: ['npm ci'], skipCache: true }],
      startCmd: 'node server.js',
      readyCmd: { type: 'port', port: 3000 },
      registry_credentials: { type: 'basic', username: 'acme-bot', password: 'registry-password-123' },
      skipCache: true,
      update: true,
      agent_version: '3.2.8',
    });
    expect(server.seenAt('/v1/templates/files/upload-link')).toEqual([]);
  });
});

describe('a failed build', () => {
  const failed = [
    { status: 'building' as const },
    { status: 'failed' as const, error_message: 'Step 1 failed: command exited with status 1' },
  ];

  it('with onLog: HopxTemplateBuildError with the build id, the server message and the log tail', async () => {
    const { server, controlPlane } = await startControlPlane({ logs: 'sse', lines: FAILED_LINES, statuses: failed });
    const events: BuildLogEvent[] = [];
    const error = await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: (e) => events.push(e),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxTemplateBuildError);
    expect(error.name).toBe('HopxTemplateBuildError');
    expect(error.code).toBe('TEMPLATE_BUILD_FAILED');
    expect(error.buildId).toBe(BUILD_ID);
    expect(error.message).toContain('Step 1 failed: command exited with status 1');
    expect(error.message).toContain(BUILD_ID);
    expect(error.message).toContain('ERROR: Could not find a version that satisfies the requirement numpy==9.9');
    expect(error.logTail).toEqual(FAILED_LINES);
    expect(events.map((e) => e.message)).toEqual(FAILED_LINES);
    // A failed build is not waited for.
    expect(server.seenAt(`/v1/templates/${TEMPLATE_ID}`)).toEqual([]);
  });

  it('without onLog: the log is read once from offset 0 after the failure, for the tail', async () => {
    const { server, controlPlane } = await startControlPlane({ logs: 'sse', lines: FAILED_LINES, statuses: failed });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(HopxTemplateBuildError);
    expect(error.buildId).toBe(BUILD_ID);
    expect(error.message).toContain('Step 1 failed: command exited with status 1');
    expect(error.message).toContain('❌ Step 1 failed: command exited with status 1');
    expect(error.logTail).toEqual(FAILED_LINES);
    const logRequests = server.seen.filter((r) => /\/logs$/.test(pathOf(r)));
    expect(logRequests).toHaveLength(1);
    expect(new URL(logRequests[0]!.url, 'http://x').searchParams.get('offset')).toBe('0');
    // Only after the failed status.
    const order = server.seen.map(route);
    expect(order.indexOf(route(logRequests[0]!))).toBeGreaterThan(
      order.lastIndexOf(`GET /v1/templates/build/${BUILD_ID}/status`),
    );
    expect(server.seenAt(`/v1/templates/${TEMPLATE_ID}`)).toEqual([]);
  });

  it('with onLog and a JSON log that grows: the error lines written at the end are in the tail', async () => {
    const lines = [
      'Step 1/6: RUN pip install numpy==9.9',
      'Collecting numpy==9.9',
      'Downloading index',
      'ERROR: No matching distribution found for numpy==9.9',
      '❌ Step 1 failed',
    ];
    const { controlPlane } = await startControlPlane({ logs: 'json-paged', lines, statuses: failed });
    const error = await buildTemplate(controlPlane, DEFINITION, {
      contextDir: ctx.dir,
      pollInterval: POLL,
      onLog: () => {},
    }).catch((e) => e);
    expect(error).toBeInstanceOf(HopxTemplateBuildError);
    expect(error.logTail).toEqual(lines);
    expect(error.message).toContain('ERROR: No matching distribution found for numpy==9.9');
  });

  it('a template that fails while publishing is a HopxTemplateBuildError too', async () => {
    const { controlPlane } = await startControlPlane({
      templates: [
        { status: 'publishing', is_active: false },
        { status: 'failed', is_active: false },
      ],
    });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(HopxTemplateBuildError);
    expect(error.message).toContain(TEMPLATE_ID);
  });
});

describe('errors from the servers', () => {
  it('409 on POST /v1/templates/build is a ConflictError, and nothing is polled', async () => {
    const conflict = {
      error: 'Template my-python-env already exists; set update: true to rebuild it',
      request_id: 'req_c20ad4d76fe97759',
    };
    const { server } = await startControlPlane({ build: (res) => sendJson(res, 409, conflict) });
    for (const throwOnError of [false, true]) {
      const controlPlane = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: 0, throwOnError });
      const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.status).toBe(409);
      expect(error.message).toContain(conflict.error);
      expect(error.requestId).toBe('req_c20ad4d76fe97759');
    }
    expect(
      server.seen.filter((r) => /status$|logs$/.test(pathOf(r)) || pathOf(r) === `/v1/templates/${TEMPLATE_ID}`),
    ).toEqual([]);
  });

  it('a presigned PUT answering 403 (XML) is a typed HopxApiError without the URL signature, and no build starts', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
    const { server, controlPlane } = await startControlPlane({
      put: (res) => {
        res.writeHead(403, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)) });
        res.end(xml);
      },
    });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(HopxApiError);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.status).toBe(403);
    expect(error.message).toContain('AccessDenied');
    const filesHash = expectedFilesHash(ctx.dir, ['app', 'requirements.txt'], '/workspace');
    expect(error.operation).toBe(`PUT ${server.url}/r2/template-files/${filesHash}.tar.gz`);
    for (const text of [error.message, error.operation, JSON.stringify(error.body), String(error.stack)]) {
      expect(text).not.toContain(SIGNATURE);
      expect(text).not.toContain('X-Amz-Signature');
    }
    expect(server.seenAt('/v1/templates/build')).toEqual([]);
  });

  it('a presigned PUT whose connection drops is HopxConnectionError without the signature, and no build starts', async () => {
    const { server, controlPlane } = await startControlPlane({ put: (res) => void res.socket?.destroy() });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(error.message).toContain('the context upload failed');
    for (const text of [error.message, error.operation, String(error.stack)]) expect(text).not.toContain(SIGNATURE);
    expect(server.seenAt('/v1/templates/build')).toEqual([]);
  });

  it('a presigned PUT answered with a redirect is HopxRedirectError, and no build starts', async () => {
    const { server, controlPlane } = await startControlPlane({
      put: (res) =>
        void res.writeHead(307, { location: 'https://elsewhere.example/bucket', 'content-length': '0' }).end(),
    });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(HopxRedirectError);
    expect(server.seenAt('/v1/templates/build')).toEqual([]);
  });

  it('a 403 page that echoes the request URL still does not carry the signature into the error', async () => {
    const { server, controlPlane } = await startControlPlane({
      put: (res, url) => {
        const page = `Forbidden: PUT ${url}`;
        res.writeHead(403, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(page)) });
        res.end(page);
      },
    });
    const error = await buildTemplate(controlPlane, DEFINITION, { contextDir: ctx.dir, pollInterval: POLL }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
    for (const text of [error.message, error.operation, JSON.stringify(error.body)])
      expect(text).not.toContain(SIGNATURE);
    expect(server.seenAt('/v1/templates/build')).toEqual([]);
  });
});

describe('bad input, before any request', () => {
  it('a missing fromImage, or no RUN/COPY/CMD step, is a HopxConfigError', async () => {
    const { server, controlPlane } = await startControlPlane();
    const bad: TemplateDefinition[] = [
      { ...DEFINITION, fromImage: '' },
      { ...DEFINITION, fromImage: undefined as unknown as string },
      { ...DEFINITION, steps: [{ env: { A: '1' } }, { workdir: '/workspace' }] },
      { ...DEFINITION, steps: [{ env: { A: '1' } }, { workdir: '/workspace' }, { user: 'user' }] },
      { ...DEFINITION, steps: [] },
      { ...DEFINITION, name: '' },
    ];
    for (const definition of bad) {
      const error = await buildTemplate(controlPlane, definition, { contextDir: ctx.dir, pollInterval: POLL }).catch(
        (e) => e,
      );
      expect(error, JSON.stringify(definition)).toBeInstanceOf(HopxConfigError);
    }
    expect(server.seen).toEqual([]);
  });

  it('a COPY source outside the context or missing is a HopxLocalFileError', async () => {
    const { server, controlPlane } = await startControlPlane();
    for (const copy of ['../outside', '/etc/hostname', 'app/../../outside', 'missing-folder']) {
      const error = await buildTemplate(
        controlPlane,
        { ...DEFINITION, steps: [{ run: 'true' }, { copy: ['app', copy], to: '/workspace' }] },
        { contextDir: ctx.dir, pollInterval: POLL },
      ).catch((e) => e);
      expect(error, copy).toBeInstanceOf(HopxLocalFileError);
    }
    const missing = await buildTemplate(
      controlPlane,
      { ...DEFINITION, steps: [{ copy: 'missing.txt', to: '/workspace' }] },
      { contextDir: ctx.dir },
    ).catch((e) => e);
    expect(missing.reason).toBe('not-found');
    expect(server.seen).toEqual([]);
  });
});
