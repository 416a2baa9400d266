// From an error response to the error a caller catches: any body shape becomes the flat
// ErrorResponse, the API's code picks the most specific class, the status the rest.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  apiErrorFrom,
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
