// Every HTTP request to the local HopX, Control Plane or agent, goes through here:
//
//   Host check (DNS rebinding) → route (method + path → spec operation) → faults asked for
//   (`Prefer`) → credentials → body → request checked against the spec (400 with the violations)
//   → the operation's handler → answer checked against the spec (a violation is counted, logged and
//   answered as a loud 500) → sent, with X-Request-ID (and rate-limit headers on the Control Plane).
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, apiErrorOf } from './api-error.js';
import { apiKeyOf, bearerOf, sameSecret } from './auth.js';
import type { CallContext, Handler, Local, Reply } from './context.js';
import { type Faults, faultsOf, injectedError } from './faults.js';
import type { Router } from './router.js';
import type { SpecOperation } from './spec.js';
import { mediaTypeOf } from './spec-validator.js';
import { openSse } from './sse.js';
import type { LocalSandbox } from './state.js';

export interface Side {
  kind: 'control-plane' | 'agent';
  router: Router;
  /** The agent's sandbox (agent side only). */
  sandbox?: LocalSandbox | undefined;
  /** The port this side listens on (for the Host check). */
  port(): number;
}

export interface PipelineOptions {
  handlers: Record<string, Handler>;
  /** Extra Host names accepted besides loopback (`--host` given a LAN address, say). */
  allowedHosts: string[];
  latencyMs: number;
}

const RATE_LIMIT = 6000;

export function requestHandler(local: Local, side: Side, options: PipelineOptions) {
  let window = { start: Date.now(), used: 0 };
  return (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error) => {
      local.log(`local HopX: ${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : error}`);
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'the local HopX failed', code: 'INTERNAL_ERROR' }));
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = req.headers['x-request-id'];
    const requestId =
      typeof given === 'string' && /^[\w.-]{1,128}$/.test(given)
        ? given
        : `req_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    res.setHeader('X-Request-ID', requestId);
    if (!hostAllowed(req.headers.host, side.port(), options.allowedHosts)) {
      plain(res, 421, {
        error: `the local HopX only answers requests addressed to it (Host: ${req.headers.host ?? '(none)'})`,
        code: 'PERMISSION_DENIED',
        request_id: requestId,
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const match = side.router.match(req.method ?? 'GET', url.pathname);
    if (!match) {
      const hint =
        side.kind === 'control-plane' && !url.pathname.startsWith('/v1/')
          ? " (agent routes answer at the sandbox's public_host)"
          : '';
      plain(res, 404, {
        error: `no route ${req.method} ${url.pathname} on this ${side.kind === 'agent' ? 'agent' : 'Control Plane'}${hint}`,
        code: 'INVALID_REQUEST',
        request_id: requestId,
      });
      return;
    }
    if ('allowed' in match) {
      res.setHeader('Allow', match.allowed.join(', '));
      plain(res, 405, {
        error: `${req.method} is not allowed on ${url.pathname}`,
        code: 'METHOD_NOT_ALLOWED',
        request_id: requestId,
      });
      return;
    }
    const { operation } = match;
    if (side.kind === 'control-plane') window = rateLimit(res, window);
    const faults = faultsOf(req.headers.prefer, options.latencyMs);
    if (faults.drop) {
      req.socket.destroy();
      return;
    }
    if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
    const send = (reply: Reply, injected = false) =>
      sendReply(local, side, operation, requestId, reply, res, faults, injected);

    const refused = authenticate(local, side, operation, req);
    if (refused) return send(errorReply(refused, requestId));
    if (faults.status) {
      const { code, message } = injectedError(faults.status);
      const retryAfter = faults.retryAfter ?? (faults.status === 429 || faults.status === 503 ? 1 : undefined);
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
      req.resume();
      return send(errorReply(new ApiError(faults.status, code, message, {}, headers), requestId), true);
    }
    if (operation.websocket) {
      return send(
        errorReply(
          new ApiError(400, 'INVALID_REQUEST', `${operation.path} only speaks WebSocket: send an upgrade request`),
          requestId,
        ),
      );
    }

    const contentType = req.headers['content-type'];
    const multipart = mediaTypeOf(contentType) === 'multipart/form-data';
    let body: unknown;
    if (!multipart) {
      try {
        body = await readJson(req, local.limits.jsonBodyBytes);
      } catch (error) {
        return send(errorReply(apiErrorOf(error), requestId));
      }
    }
    const checked = local.validator.validateRequest(
      operation,
      {
        path: match.path,
        query: url.searchParams,
        headers: req.headers,
        body: multipart ? {} : body,
        contentType,
      },
      { skipMultipartFields: multipart },
    );
    if (checked.violations.length) {
      const summary = checked.violations.map((v) => `${v.pointer} ${v.message}`).join('; ');
      const details = { violations: checked.violations.map(({ pointer, message }) => ({ pointer, message })) };
      return send(
        errorReply(
          new ApiError(400, 'INVALID_REQUEST', `the request does not match the spec: ${summary}`, { details }),
          requestId,
        ),
      );
    }

    const handler = options.handlers[operation.operationId];
    if (!handler) {
      return send(
        errorReply(
          new ApiError(500, 'INTERNAL_ERROR', `the local HopX does not implement ${operation.key}`),
          requestId,
        ),
      );
    }
    const aborted = new AbortController();
    res.once('close', () => aborted.abort());
    const ctx: CallContext = {
      local,
      operation,
      requestId,
      path: checked.path,
      query: checked.query,
      headers: req.headers,
      body,
      req,
      res,
      sandbox: side.sandbox,
      faults,
      signal: aborted.signal,
    };
    let reply: Reply;
    try {
      reply = await handler(ctx);
    } catch (error) {
      reply = errorReply(apiErrorOf(error), requestId);
    }
    return send(reply);
  }
}

function authenticate(local: Local, side: Side, operation: SpecOperation, req: IncomingMessage): ApiError | undefined {
  const security: Array<Record<string, unknown>> = operation.op.security ?? local.validator.spec.security ?? [];
  if (security.length === 0) return undefined;
  // `{}` among the alternatives: the credential is optional, but one that is sent must be valid.
  const optional = security.some((requirement) => Object.keys(requirement).length === 0);
  if (optional && !req.headers.authorization && !req.headers['x-api-key']) return undefined;
  if (side.kind === 'control-plane') {
    if (sameSecret(apiKeyOf(req.headers), local.apiKey)) return undefined;
    const given = apiKeyOf(req.headers);
    return new ApiError(
      401,
      'UNAUTHORIZED',
      given ? 'the API key is not valid for this local HopX' : 'no API key: send X-API-Key (or Authorization: Bearer)',
    );
  }
  const check = local.tokens.check(bearerOf(req.headers));
  if (!check.ok) return new ApiError(401, check.code, check.reason);
  if (check.claims.sub !== side.sandbox?.id)
    return new ApiError(401, 'TOKEN_INVALID', 'the token belongs to another sandbox');
  return undefined;
}

function errorReply(error: ApiError, requestId: string): Reply {
  return { kind: 'json', status: error.status, body: error.body(requestId), headers: error.headers };
}

async function sendReply(
  local: Local,
  side: Side,
  operation: SpecOperation,
  requestId: string,
  reply: Reply,
  res: ServerResponse,
  faults: Faults,
  injected: boolean,
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  if (side.sandbox) {
    side.sandbox.counters.requests++;
    if (reply.kind !== 'sse' && reply.status >= 400) side.sandbox.counters.errors++;
  }
  const headers: Record<string, string> = { ...('headers' in reply ? reply.headers : {}) };
  const lowered = Object.fromEntries(
    Object.entries({ ...headers, ...(res.getHeaders() as Record<string, string>) }).map(([k, v]) => [
      k.toLowerCase(),
      String(v),
    ]),
  );
  const check = (contentType: string | undefined, body?: unknown) => {
    const found = local.validator.validateResponse(
      operation,
      {
        status: reply.kind === 'sse' ? 200 : reply.status,
        contentType,
        headers: lowered,
        ...(body === undefined ? {} : { body }),
      },
      { anyStatus: injected },
    );
    if (!found.length) return true;
    local.violationLog.push(...found);
    const summary = found.map((v) => `${v.pointer} ${v.message}`).join('; ');
    local.log(`local HopX: SPEC VIOLATION in its answer to ${operation.key}: ${summary}`);
    plain(res, 500, {
      error: `the local HopX built an answer that breaks the spec: ${summary}`,
      code: 'INTERNAL_ERROR',
      request_id: requestId,
      details: { violations: found },
    });
    return false;
  };
  switch (reply.kind) {
    case 'json': {
      if (!check('application/json', reply.body)) return;
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      });
      res.end(text);
      return;
    }
    case 'empty':
      if (!check(undefined)) return;
      res.writeHead(reply.status, headers);
      res.end();
      return;
    case 'bytes':
      if (!check(reply.contentType)) return;
      res.writeHead(reply.status, {
        ...headers,
        'content-type': reply.contentType,
        'content-length': String(Buffer.byteLength(reply.body)),
      });
      res.end(reply.body);
      return;
    case 'file':
      if (!check(reply.contentType)) return;
      res.writeHead(reply.status, {
        ...headers,
        'content-type': reply.contentType,
        'content-length': String(reply.size),
      });
      // Exactly the size announced: a file that grows while it is sent must not overrun Content-Length.
      if (reply.size === 0) res.end();
      else await pipeline(createReadStream(reply.path, { end: reply.size - 1 }), res).catch(() => res.destroy());
      return;
    case 'sse': {
      if (!check('text/event-stream')) return;
      const writer = openSse(res, operation, local.validator, local.violationLog, faults);
      try {
        await reply.run(writer);
      } finally {
        writer.end();
      }
      return;
    }
  }
}

/** Answers that come before any operation (no route, wrong Host): not part of the spec, not checked. */
function plain(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(400, 'INVALID_REQUEST', `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'the request body is not valid JSON');
  }
}

/** Loopback names on our own port (and the names the user allowed): anything else may be DNS rebinding. */
export function hostAllowed(host: string | undefined, port: number, extra: string[]): boolean {
  if (!host) return false;
  const names = ['127.0.0.1', 'localhost', '[::1]', ...extra];
  return names.some((name) => host === `${name}:${port}`);
}

function rateLimit(res: ServerResponse, window: { start: number; used: number }) {
  const now = Date.now();
  const current = now - window.start >= 60_000 ? { start: now, used: 0 } : window;
  current.used++;
  res.setHeader('X-RateLimit-Limit', String(RATE_LIMIT));
  res.setHeader('X-RateLimit-Remaining', String(Math.max(0, RATE_LIMIT - current.used)));
  res.setHeader('X-RateLimit-Reset', String(Math.ceil((current.start + 60_000) / 1000)));
  return current;
}
