// From an error response to the error a caller catches: any body shape becomes the flat
// ErrorResponse, the API's code picks the most specific class, the status the rest.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  apiErrorFrom,
  BadRequestError,
  createControlPlaneClient,
  DesktopNotAvailableError,
  type ErrorBody,
  errorOf,
  FileNotFoundError,
  HopxApiError,
  InternalServerError,
  NotFoundError,
  PathNotAllowedError,
  RateLimitError,
  ServiceUnavailableError,
  TokenExpiredError,
} from '../../src/index.js';
import { normalizeErrorBody } from '../../src/internal/error-body.js';
import { normalizeErrorBodies } from '../../src/internal/normalize-error-bodies.js';

describe('normalizeErrorBody', () => {
  it.each([
    [
      'the flat form',
      '{"error":"File not found","code":"FILE_NOT_FOUND","request_id":"req_1"}',
      { error: 'File not found', code: 'FILE_NOT_FOUND', request_id: 'req_1' },
    ],
    [
      'a nested error object',
      '{"error":{"message":"Sandbox not found","code":"SANDBOX_NOT_FOUND","request_id":"req_2"}}',
      { error: 'Sandbox not found', code: 'SANDBOX_NOT_FOUND', request_id: 'req_2' },
    ],
    [
      'a top-level message',
      '{"message":"Invalid API key","code":"UNAUTHORIZED"}',
      { error: 'Invalid API key', code: 'UNAUTHORIZED' },
    ],
    [
      'an HTML page from a gateway',
      '<html><body>502 Bad Gateway</body></html>',
      { error: 'HTTP 502 Bad Gateway: <html><body>502 Bad Gateway</body></html>' },
    ],
    ['nothing at all', '', { error: 'HTTP 502 Bad Gateway (empty body)' }],
  ])('reads %s', (_name, text, expected) => {
    expect(normalizeErrorBody(text, 502, 'Bad Gateway')).toEqual(expected);
  });
});

describe('apiErrorFrom', () => {
  it.each([
    [404, 'FILE_NOT_FOUND', FileNotFoundError],
    [403, 'PATH_NOT_ALLOWED', PathNotAllowedError],
    [401, 'TOKEN_EXPIRED', TokenExpiredError],
    [503, 'DESKTOP_NOT_AVAILABLE', DesktopNotAvailableError],
    [501, 'DESKTOP_NOT_AVAILABLE', DesktopNotAvailableError],
  ])('a %i with code %s is %o (the code wins)', (status, code, Class) => {
    expect(apiErrorFrom({ status, body: { error: 'x', code } as ErrorBody })).toBeInstanceOf(Class);
  });

  it.each([
    [401, AuthenticationError],
    [404, NotFoundError],
    [429, RateLimitError],
    [503, ServiceUnavailableError],
    [599, InternalServerError],
    [418, HopxApiError],
  ])('without a code, %i is %o', (status, Class) => {
    const error = apiErrorFrom({ status, body: { error: 'x' } });
    expect(error).toBeInstanceOf(Class);
    expect(error.constructor).toBe(Class);
  });

  it('keeps a code it does not know, and falls back to the status class', () => {
    const error = apiErrorFrom({ status: 404, body: { error: 'gone', code: 'SOMETHING_NEW' } as unknown as ErrorBody });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('SOMETHING_NEW');
  });

  it('says status, code, message, operation and request id in its message', () => {
    const error = apiErrorFrom({
      status: 404,
      body: { error: 'File not found', code: 'FILE_NOT_FOUND', request_id: 'req_9' },
      operation: 'GET /files/read',
    });
    expect(error.message).toBe('404 FILE_NOT_FOUND: File not found (GET /files/read, request req_9)');
    expect(error.requestId).toBe('req_9');
  });
});

describe('errorOf', () => {
  it('is undefined for a success, the typed error with retryAfter for a failure', () => {
    expect(errorOf({ response: new Response('{}', { status: 200 }) })).toBeUndefined();
    const error = errorOf(
      {
        error: { error: 'slow down' },
        response: new Response(null, { status: 429, headers: { 'retry-after': '2.5', 'x-request-id': 'req_3' } }),
      },
      'GET /v1/sandboxes',
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error?.retryAfter).toBe(3);
    expect(error?.requestId).toBe('req_3');
  });
});

// Counterexamples found by the property tests (test/unit/properties/error-mapping.test.ts).
describe('bodies the property tests found', () => {
  const key = 'hopx_live_a1b2c3d4e5f6.c2VjcmV0LXNlY3JldC1zZWNyZXQ';

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'a code named like what every object inherits (%s) is an unknown code, classed by status',
    (code) => {
      // byCode was a plain object: `constructor` found Object, and `new Object(message)` is a String.
      const error = apiErrorFrom({
        status: 404,
        body: normalizeErrorBody(JSON.stringify({ error: '', code }), 404, ''),
      });
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.constructor).toBe(NotFoundError);
      expect(error.code).toBe(code);
      expect(error.body.error).toBe('HTTP 404');
    },
  );

  it('a nested body with such a code, through the client middleware, is a typed error', async () => {
    const error = await errorThroughMiddleware(new Response('{"error":{"code":"constructor"}}', { status: 596 }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.status).toBe(596);
    expect(error.code).toBe('constructor');
  });

  it.each([
    ['an object', { toString: 1 }],
    ['a number', 404],
    ['an array', ['FILE_NOT_FOUND']],
    ['null', null],
  ])('a code that is %s is left out of the body and of the typed code', (_name, code) => {
    // It was kept as it came, and the message's template literal threw on {"toString":1}.
    const body = normalizeErrorBody(JSON.stringify({ error: 'no', code, request_id: { a: 1 }, details: 'x' }), 400, '');
    expect(body).toEqual({ error: 'no' });
    const error = apiErrorFrom({ status: 400, body });
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.code).toBeUndefined();
    expect(error.message).toBe('400: no');
  });

  it.each([
    ['an error that is an object', { error: { toString: 1 } }, '100: HTTP 100'],
    ['a code that is an object', { error: 'x', code: { toString: 1 } }, '100: x'],
    ['a request id that is an object', { error: 'x', request_id: { toString: 1 } }, '100: x'],
    ['no error at all', {}, '100: HTTP 100: {}'],
    ['a string', 'Bad Gateway', '100: HTTP 100: Bad Gateway'],
    ['a nested body', { error: { message: 'gone', code: 'SANDBOX_EXPIRED' } }, '100 SANDBOX_EXPIRED: gone'],
  ])(
    'apiErrorFrom handed %s (as a { data, error } caller may) normalises it instead of throwing',
    (_name, body, message) => {
      const error = apiErrorFrom({ status: 100, body: body as unknown as ErrorBody });
      expect(error).toBeInstanceOf(HopxApiError);
      expect(error.status).toBe(100);
      expect(error.message).toBe(message);
      expect(typeof error.body.error).toBe('string');
    },
  );

  it('a well-formed flat body is kept as it is', () => {
    const body = { error: 'File not found', code: 'FILE_NOT_FOUND', path: '/workspace/a' } as ErrorBody;
    expect(apiErrorFrom({ status: 404, body }).body).toBe(body);
  });

  it('a gateway page cut to its snippet in the middle of an echoed key shows no part of it', () => {
    // The snippet was cut first and redacted after: the key across the cut survived but for its end.
    const text = `<html><body>${'x'.repeat(150)} ${key}</body></html>`;
    const body = normalizeErrorBody(text, 502, 'Bad Gateway', [key]);
    expect(body.error).toContain('[redacted]');
    expect(body.error).not.toContain('c2VjcmV0');
    expect(body.error).not.toContain('a1b2c3d4e5f6');
  });

  it('a 304 (a status whose response has no body) is a typed error, not a TypeError from the middleware', async () => {
    // The middleware rebuilt every error response with a JSON body, and Response refuses one on a 304.
    const error = await errorThroughMiddleware(new Response(null, { status: 304, statusText: 'Not Modified' }));
    expect(error).toBeInstanceOf(HopxApiError);
    expect(error.status).toBe(304);
    expect(error.message).toBe('304: HTTP 304 (empty body)');
  });

  it('a 304 through the throwing client is a typed error', async () => {
    const client = createControlPlaneClient({
      apiKey: key,
      baseUrl: 'https://api.test',
      throwOnError: true,
      fetch: async () => new Response(null, { status: 304 }),
    });
    const error = await client.GET('/v1/sandboxes').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HopxApiError);
    expect((error as HopxApiError).status).toBe(304);
  });

  /** What the client makes of `response`: the error middleware, then openapi-fetch's reading, then errorOf. */
  async function errorThroughMiddleware(response: Response): Promise<HopxApiError> {
    const normalized = ((await normalizeErrorBodies(() => [key]).onResponse!({ response } as never)) ??
      response) as Response;
    const text = await normalized.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return errorOf({ error: body, response: normalized }) as HopxApiError;
  }
});
