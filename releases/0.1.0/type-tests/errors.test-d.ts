// Type tests: the error class hierarchy and the fields callers read off an error.
// Every `@ts-expect-error` below is checked by the compiler.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type ErrorBody,
  type ErrorCode,
  AuthenticationError,
  FileNotFoundError,
  GoneError,
  HopxApiError,
  HopxConnectionError,
  HopxError,
  HopxTimeoutError,
  InternalServerError,
  NotFoundError,
  SandboxExpiredError,
  SandboxNotFoundError,
  ServiceUnavailableError,
  TokenExpiredError,
  apiErrorFrom,
} from '../../src/index.js';

declare const caught: unknown;
const body: ErrorBody = { error: 'File not found: /workspace/a.txt', code: 'FILE_NOT_FOUND' };

describe('the class hierarchy', () => {
  test('FileNotFoundError is a NotFoundError, a HopxApiError, a HopxError and an Error', () => {
    expectTypeOf<FileNotFoundError>().toExtend<NotFoundError>();
    expectTypeOf<FileNotFoundError>().toExtend<HopxApiError>();
    expectTypeOf<FileNotFoundError>().toExtend<HopxError>();
    expectTypeOf<FileNotFoundError>().toExtend<Error>();
    expectTypeOf(new FileNotFoundError('gone', { status: 404, body })).toExtend<NotFoundError>();
  });

  test('other specific classes sit under their general ones', () => {
    expectTypeOf<SandboxNotFoundError>().toExtend<NotFoundError>();
    expectTypeOf<TokenExpiredError>().toExtend<AuthenticationError>();
    expectTypeOf<SandboxExpiredError>().toExtend<GoneError>();
    expectTypeOf<ServiceUnavailableError>().toExtend<InternalServerError>();
    expectTypeOf<HopxTimeoutError>().toExtend<HopxConnectionError>();
    expectTypeOf<HopxConnectionError>().toExtend<HopxError>();
  });

  test('errors without a response are not HopxApiErrors', () => {
    // They lack `body` and their `status` may be undefined.
    expectTypeOf<HopxError>().not.toExtend<HopxApiError>();
    expectTypeOf<HopxConnectionError>().not.toExtend<HopxApiError>();
    expectTypeOf<HopxTimeoutError>().not.toExtend<HopxApiError>();
  });
});

describe('fields', () => {
  test('status is a number on HopxApiError and its subclasses, number | undefined on HopxError', () => {
    expectTypeOf<HopxApiError['status']>().toEqualTypeOf<number>();
    expectTypeOf<FileNotFoundError['status']>().toEqualTypeOf<number>();
    expectTypeOf<HopxError['status']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HopxConnectionError['status']>().toEqualTypeOf<number | undefined>();
  });

  test('HopxApiError carries the ErrorResponse body and the API code', () => {
    expectTypeOf<HopxApiError['body']>().toEqualTypeOf<ErrorBody>();
    expectTypeOf<HopxApiError['code']>().toEqualTypeOf<ErrorCode | (string & {}) | undefined>();
    expectTypeOf<HopxApiError['requestId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<HopxApiError['retryAfter']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HopxApiError['operation']>().toEqualTypeOf<string | undefined>();
  });

  test('the fields are read-only', () => {
    const error = new HopxApiError('boom', { status: 500, body: { error: 'boom' } });
    // @ts-expect-error `status` is readonly
    error.status = 400;
    // @ts-expect-error `body` is readonly
    error.body = { error: 'other' };
  });

  test('instanceof narrows a caught value to the class and its fields', () => {
    if (caught instanceof FileNotFoundError) {
      expectTypeOf(caught).toEqualTypeOf<FileNotFoundError>();
      expectTypeOf(caught.status).toEqualTypeOf<number>();
      expectTypeOf(caught.body).toEqualTypeOf<ErrorBody>();
    }
    if (caught instanceof HopxError) {
      expectTypeOf(caught.status).toEqualTypeOf<number | undefined>();
      // @ts-expect-error only HopxApiError has a `body`; a HopxError may have had no response at all
      caught.body;
    }
  });
});

describe('construction', () => {
  test('apiErrorFrom builds the most specific class, typed as HopxApiError', () => {
    expectTypeOf(apiErrorFrom({ status: 404, body })).toEqualTypeOf<HopxApiError>();
  });

  test('a HopxApiError needs a status and a body', () => {
    expectTypeOf(new HopxApiError('boom', { status: 500, body: { error: 'boom' } })).toEqualTypeOf<HopxApiError>();
    // @ts-expect-error `status` and `body` are required for an API error
    new HopxApiError('boom', {});
    // @ts-expect-error `body` must be an ErrorResponse, which requires `error`
    new NotFoundError('boom', { status: 404, body: { code: 'FILE_NOT_FOUND' } });
    // @ts-expect-error `status` is a number
    new HopxApiError('boom', { status: '500', body: { error: 'boom' } });
  });
});
