// Every operation carries every part a client, a mock and a docs reader rely on. Each check names
// what is missing, so a later edit cannot quietly drop an example, an error or a schema.
//
// What redocly.yaml already enforces is not repeated here (lint-clean.test.ts runs it): camelCase
// and unique operationIds, short summaries, descriptions of at least a sentence, one declared tag,
// parameter descriptions, examples on JSON request and success bodies, a 2xx (or 101) and a 4xx
// response, X-Request-ID on every 2xx, and the shape of x-idempotent, x-timeout and x-websocket.
import { describe, expect, it } from 'vitest';
import { deref, isEventStream, isWebSocket, type Json, type Operation, operations, spec } from './bundled-spec.js';

const groups = Object.fromEntries((spec['x-tagGroups'] as Json[]).map((g) => [g.name, g.tags as string[]]));
const hasExample = (media: Json) =>
  media.example !== undefined || (media.examples && Object.keys(media.examples).length > 0);
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');
const securityNames = (security: Json[] | undefined) => (security ?? []).map((req) => Object.keys(req).join('+'));

function problemsOf({ op, path, pathItem, api }: Operation): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };

  const group = api === 'agent' ? 'VM Agent' : 'Control Plane';
  need(groups[group]?.includes(op.tags?.[0]), `a tag in the "${group}" tag group`);

  // Security: the Control Plane inherits the API key (either header); the agent takes the sandbox token.
  if (path === '/health') need(Array.isArray(op.security) && op.security.length === 0, 'public security: []');
  else if (api === 'control-plane') {
    const effective = securityNames(op.security ?? spec.security);
    need(effective.includes('ApiKeyAuth') && effective.includes('BearerAuth'), 'X-API-Key or Bearer API key security');
  } else {
    need(securityNames(op.security).includes('SandboxToken'), 'SandboxToken security');
    need(
      !securityNames(op.security).some((s) => s.includes('ApiKeyAuth') || s.includes('BearerAuth')),
      'no API key sent to the agent',
    );
  }

  // Servers: agent routes name the sandbox host; the Control Plane uses the document's server.
  const servers: Json[] = pathItem.servers ?? [];
  if (api === 'agent')
    need(
      servers.some((s) => s.url.includes('{sandbox_host}') && s.variables?.sandbox_host?.default),
      'agent server with a sandbox_host variable',
    );
  if (api === 'control-plane') need(servers.length === 0, 'the document-level Control Plane server');
  if (api === 'both') need(servers.length === 2, 'both servers');

  for (const raw of [...(pathItem.parameters ?? []), ...(op.parameters ?? [])]) {
    const p = deref(raw);
    need(p.schema && (p.schema.type || p.schema.$ref || p.schema.const), `a typed schema on parameter ${p.name}`);
    need(p.example !== undefined || p.examples || p.schema?.example !== undefined, `an example on parameter ${p.name}`);
  }

  if (op.requestBody) {
    const body = deref(op.requestBody);
    need(typeof body.required === 'boolean', 'requestBody.required set');
    for (const [type, media] of Object.entries<Json>(body.content ?? {}))
      need(media.schema, `a schema on the ${type} request body`);
  }

  const statuses = Object.keys(op.responses ?? {});
  for (const status of statuses) {
    const response = deref(op.responses[status]);
    need(response.description, `a description on ${status}`);
    const content = Object.entries<Json>(response.content ?? {});
    // `204 No Content` is the one answer that has no body by definition.
    need(content.length > 0 || status === '204', `a body schema on ${status}`);
    for (const [type, media] of content) {
      need(media.schema, `a schema on ${status} ${type}`);
      if (status === '101' && isJson(type)) need(hasExample(media), `an example of the messages on ${status}`);
      if (/^[45]\d\d$/.test(status) && isJson(type))
        need(deref(media.schema) === spec.components.schemas.ErrorResponse, `ErrorResponse on ${status}`);
    }
  }

  if (api === 'control-plane') {
    for (const s of ['401', '429', '500']) need(statuses.includes(s), `a ${s} response`);
    const tooMany = op.responses['429'] && deref(op.responses['429']);
    for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'])
      need(tooMany?.headers?.[h], `${h} on 429`);
  }
  if (api === 'agent' && securityNames(op.security).every((s) => s === 'SandboxToken'))
    need(statuses.includes('401'), 'a 401 response');

  if (isWebSocket(op)) {
    const ws = op['x-websocket'];
    for (const side of ['client', 'server']) {
      const schema: Json | undefined = typeof ws?.[side] === 'string' ? deref<Json>({ $ref: ws[side] }) : undefined;
      need(
        schema?.oneOf?.length && schema.discriminator?.propertyName,
        `x-websocket.${side}: a oneOf with a discriminator`,
      );
    }
    const frames = deref(op.responses['101']).content?.['application/json']?.schema;
    need(frames?.oneOf?.length === 2, '101 body listing both directions');
  }
  if (isEventStream(op)) {
    const stream = deref(op.responses['200']).content['text/event-stream'];
    need(stream.schema?.contentSchema?.$ref, 'contentSchema naming the event payload');
    need(typeof stream.example === 'string' && /^data: /m.test(stream.example), 'an SSE example with data lines');
    need(
      (op.parameters ?? []).map(deref).some((p: Json) => p.name === 'Last-Event-ID' && p.in === 'header'),
      'a Last-Event-ID header',
    );
  }
  return problems;
}

describe('every operation is complete', () => {
  it.each(operations.map((o) => [o.key, o] as const))('%s', (_key, operation) => {
    expect(problemsOf(operation)).toEqual([]);
  });
});

describe('platform facts the spec must keep', () => {
  const op = (key: string) => operations.find((o) => o.key === key)!.op;

  it('marks the removed start/stop routes deprecated, with the reason', () => {
    for (const key of ['POST /v1/sandboxes/{id}/start', 'POST /v1/sandboxes/{id}/stop']) {
      expect(op(key).deprecated, key).toBe(true);
      expect(op(key).description, key).toMatch(/remov/i);
    }
  });

  it('pages GET /v1/sandboxes with limit, cursor, has_more and next_cursor', () => {
    const params = op('GET /v1/sandboxes').parameters.map(deref);
    const limit = params.find((p: Json) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', maximum: 100, default: 100 });
    expect(params.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['cursor', 'status', 'region']));
    const list = deref(deref(op('GET /v1/sandboxes').responses['200']).content['application/json'].schema);
    expect(Object.keys(list.properties)).toEqual(expect.arrayContaining(['data', 'has_more', 'next_cursor']));
  });

  it('has the error codes the platform sends', () => {
    // ErrorCode is an open set: its known values are the enum of the first anyOf branch.
    const codes = spec.components.schemas.ErrorCode.anyOf.find((branch: Json) => branch.enum).enum;
    const wire = [
      'METHOD_NOT_ALLOWED',
      'INVALID_JSON',
      'MISSING_PARAMETER',
      'PATH_NOT_ALLOWED',
      'FILE_NOT_FOUND',
      'FILE_ALREADY_EXISTS',
      'DIRECTORY_NOT_FOUND',
      'FILE_OPERATION_FAILED',
      'INVALID_PATH',
      'PERMISSION_DENIED',
      'COMMAND_FAILED',
      'EXECUTION_TIMEOUT',
      'EXECUTION_FAILED',
      'PROCESS_NOT_FOUND',
      'DESKTOP_NOT_AVAILABLE',
      'INVALID_REQUEST',
      'INTERNAL_ERROR',
      'SANDBOX_EXPIRED',
      'SANDBOX_NOT_FOUND',
      'SANDBOX_CREATING',
      'SANDBOX_STOPPED',
      'TOKEN_EXPIRED',
      'TOKEN_INVALID',
      'TEMPLATE_BUILD_FAILED',
      'INVALID_TOKEN',
    ];
    expect([...codes].sort()).toEqual([...wire].sort());
    for (const shape of ['ErrorResponseFlat', 'ErrorResponseMessage']) {
      expect(spec.components.schemas[shape].properties.code.$ref, shape).toBe('#/components/schemas/ErrorCode');
    }
  });

  it('accepts the API key as X-API-Key or Bearer, and the sandbox JWT as Bearer', () => {
    const schemes = spec.components.securitySchemes;
    expect(schemes.ApiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(schemes.BearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.SandboxToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(spec.security).toEqual([{ ApiKeyAuth: [] }, { BearerAuth: [] }]);
  });

  it('uploads files as multipart with a binary part, and downloads them as octet-stream', () => {
    const upload = deref(op('POST /files/upload').requestBody).content['multipart/form-data'];
    const form = deref(upload.schema);
    expect(form.required).toEqual(expect.arrayContaining(['file', 'path']));
    expect(form.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    const download = deref(op('GET /files/download').responses['200']).content;
    expect(download['application/octet-stream'].schema).toMatchObject({ type: 'string', format: 'binary' });
  });

  it('offers build logs both as JSON offset polling and as an event stream', () => {
    const logs = op('GET /v1/templates/build/{buildID}/logs');
    const content = deref(logs.responses['200']).content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(logs.parameters.map(deref).map((p: Json) => p.name)).toContain('offset');
  });

  it('describes the six WebSocket routes and the four event streams', () => {
    const ws = operations
      .filter((o) => isWebSocket(o.op))
      .map((o) => o.path)
      .sort();
    expect(ws).toEqual([
      '/commands/stream',
      '/execute/stream',
      '/files/watch',
      '/stream',
      '/stream/ipython',
      '/terminal',
    ]);
    const sse = operations
      .filter((o) => isEventStream(o.op))
      .map((o) => o.path)
      .sort();
    expect(sse).toEqual([
      '/v1/sandboxes/stream',
      '/v1/sandboxes/{id}/metrics/stream',
      '/v1/templates/build/{buildID}/logs',
      '/v1/templates/stream',
    ]);
  });
});
