// Properties of the way from an error response to the error a caller catches: whatever the status
// (100-599) and whatever the body (any JSON, any text, the three ErrorResponse shapes with fields of
// any type, HTML, nothing, the API key echoed anywhere in it), the result is a HopxApiError with
// that status, nothing on the way throws, and neither its message nor its body holds the key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiErrorFrom, createControlPlaneClient, type ErrorBody, errorOf, HopxApiError } from '../../../src/index.js';
import { normalizeErrorBody } from '../../../src/internal/error-body.js';
import { normalizeErrorBodies } from '../../../src/internal/normalize-error-bodies.js';

const base64url = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'];
const alphanumeric = base64url.slice(0, 62);

/**
 * A key in the platform's format: `hopx_live_<12 alphanumerics>.<base64url secret>`. Its characters
 * are drawn one by one (fc.array), not with fc.string, which also splices in the names objects
 * inherit (`__defineGetter__`, ...): the text around the key gets those too, and showsKey would
 * then find a piece of the key in text that never came from it.
 */
const chars = (alphabet: string[], length: { minLength: number; maxLength: number }) =>
  fc.array(fc.constantFrom(...alphabet), length).map((picked) => picked.join(''));
const apiKey = fc
  .tuple(
    fc.constantFrom('live', 'test'),
    chars(alphanumeric, { minLength: 12, maxLength: 12 }),
    chars(base64url, { minLength: 16, maxLength: 48 }),
  )
  .map(([kind, id, secret]) => `hopx_${kind}_${id}.${secret}`);

/**
 * Whether `text` shows any of `key`: the key itself, or a piece of it long enough to matter (a
 * message cut in the middle of the key would show its beginning). The `hopx_live_` prefix alone is
 * not secret, so pieces are taken from what follows it.
 */
function showsKey(text: string | undefined, key: string): boolean {
  // What it is given is a message or a body's JSON text; anything else (JSON.stringify(undefined))
  // is a failure of the run, not a place the key could hide.
  if (typeof text !== 'string') throw new TypeError(`showsKey was given ${String(text)}, not a text`);
  const secretPart = key.slice('hopx_live_'.length);
  for (let i = 0; i + 8 <= secretPart.length; i++) if (text.includes(secretPart.slice(i, i + 8))) return true;
  return false;
}

/** Any text, sometimes with the key inside it. */
const textWith = (key: string) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }))
      .map(([a, b]) => `${a}${key}${b}`),
    fc.constant(`Invalid API key: ${key}`),
  );

/** API codes, including ones this client has never heard of and names that objects inherit. */
const codeString = fc.oneof(
  fc.constantFrom('FILE_NOT_FOUND', 'TOKEN_EXPIRED', 'DESKTOP_NOT_AVAILABLE', 'SANDBOX_EXPIRED', 'INTERNAL_ERROR'),
  fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', ''),
  fc.string({ maxLength: 20 }),
);

/** Any JSON value, including objects whose keys shadow what every object inherits. */
const awkwardJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom({ toString: 1 }, { valueOf: 'x' }, JSON.parse('{"__proto__":{"a":1}}'), [], {}, null),
);

/** A field that is usually what the spec says it is, and sometimes any JSON at all. */
const loosely = <T>(expected: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 3, arbitrary: expected }, { weight: 1, arbitrary: awkwardJson }), { nil: undefined });

/** The text of an error response: the spec's three shapes, any JSON, HTML, plain text, nothing. */
const bodyText = (key: string) =>
  fc.oneof(
    // ErrorResponseFlat
    fc
      .record({
        error: textWith(key),
        code: loosely(codeString),
        request_id: loosely(textWith(key)),
        details: loosely(fc.dictionary(fc.string({ maxLength: 8 }), textWith(key), { maxKeys: 3 })),
      })
      .map((body) => JSON.stringify(body)),
    // ErrorResponseNested
    fc
      .record({
        error: fc.record({
          message: loosely(textWith(key)),
          code: loosely(codeString),
          request_id: loosely(textWith(key)),
          details: loosely(fc.dictionary(fc.string({ maxLength: 8 }), textWith(key), { maxKeys: 3 })),
        }),
        request_id: loosely(textWith(key)),
      })
      .map((body) => JSON.stringify(body)),
    // ErrorResponseMessage
    fc
      .record({ message: textWith(key), code: loosely(codeString), request_id: loosely(textWith(key)) })
      .map((body) => JSON.stringify(body)),
    // Any JSON, with the key somewhere in it or not.
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc.array(textWith(key), { maxLength: 3 }).map((values) => JSON.stringify(values)),
    // A gateway's page, with the key at any distance from the start (a snippet is cut at 200).
    fc
      .tuple(fc.integer({ min: 0, max: 260 }), textWith(key))
      .map(([pad, text]) => `<html><body>${'x'.repeat(pad)} ${key} ${text}</body></html>`),
    textWith(key),
    fc.constant(''),
  );

/** A reason phrase as HTTP can carry it (Latin-1, no line breaks), sometimes with the key. */
const statusText = (key: string) =>
  fc.oneof(
    fc.constantFrom('', 'Not Found', 'Bad Gateway', 'Too Many Requests'),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
    fc.constant(`Bad key ${key}`),
  );

const response = fc.integer({ min: 100, max: 599 }).chain((status) =>
  apiKey.chain((key) =>
    fc.record({
      status: fc.constant(status),
      key: fc.constant(key),
      text: bodyText(key),
      statusText: statusText(key),
      operation: fc.option(fc.constantFrom('GET /v1/sandboxes', 'POST /execute', 'GET /files/read'), {
        nil: undefined,
      }),
      requestId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      retryAfter: fc.option(fc.nat(3600), { nil: undefined }),
    }),
  ),
);

describe('normalizeErrorBody and apiErrorFrom', () => {
  it('any status and body give a HopxApiError with that status, without throwing', () => {
    fc.assert(
      fc.property(response, ({ status, text, statusText, operation, requestId, retryAfter }) => {
        const body = normalizeErrorBody(text, status, statusText);
        expect(typeof body.error).toBe('string');
        const error = apiErrorFrom({ status, body, operation, requestId, retryAfter });
        expect(error).toBeInstanceOf(HopxApiError);
        expect(error.status).toBe(status);
        expect(typeof error.message).toBe('string');
        expect(error.message.startsWith(String(status))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('any body apiErrorFrom is handed, however malformed, gives a HopxApiError', () => {
    // A caller of the { data, error } style can pass anything it got as `error` to errorOf.
    const anyBody = fc.record(
      { error: awkwardJson, code: awkwardJson, request_id: awkwardJson, details: awkwardJson },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), anyBody, (status, body) => {
        const error = apiErrorFrom({ status, body: body as unknown as ErrorBody });
        expect(error).toBeInstanceOf(HopxApiError);
        expect(error.status).toBe(status);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('an error response through the client', () => {
  const middleware = normalizeErrorBodies;

  it('becomes a typed error with its status, and the key shows nowhere in it', async () => {
    await fc.assert(
      fc.asyncProperty(
        // A Response can only be built for 200-599, and 2xx is not an error.
        response.filter(({ status }) => status >= 300),
        async ({ status, key, text, statusText, operation }) => {
          // 304 is a null-body status: such a response has no body to carry (and Response refuses one).
          const raw = new Response(status === 304 ? null : text, {
            status,
            statusText,
            headers: { 'content-type': 'text/html' },
          });
          const onResponse = middleware(() => [key]).onResponse!;
          const normalized = ((await onResponse({ response: raw } as never)) as Response | undefined) ?? raw;
          // What openapi-fetch hands a { data, error } caller as `error`: the body's JSON, or its text.
          let body: unknown = await normalized.clone().text();
          try {
            body = JSON.parse(body as string);
          } catch {}
          const error = errorOf({ error: body, response: normalized }, operation);
          expect(error).toBeInstanceOf(HopxApiError);
          expect(error!.status).toBe(status);
          expect(showsKey(error!.message, key), error!.message).toBe(false);
          expect(showsKey(JSON.stringify(error!.body), key), JSON.stringify(error!.body)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a call of the throwing client rejects with its typed error, the key nowhere in it', async () => {
    await fc.assert(
      fc.asyncProperty(
        // 3xx other than 304 is a HopxRedirectError, before any body is read.
        response.filter(({ status }) => status >= 400 || status === 304),
        async ({ status, key, text, statusText }) => {
          const client = createControlPlaneClient({
            apiKey: key,
            baseUrl: 'https://api.test',
            maxRetries: 0,
            throwOnError: true,
            fetch: async () =>
              new Response(status === 304 ? null : text, {
                status,
                statusText,
                headers: { 'content-type': 'application/json' },
              }),
          });
          const error = await client.GET('/v1/sandboxes').then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(HopxApiError);
          const apiError = error as HopxApiError;
          expect(apiError.status).toBe(status);
          expect(apiError.operation).toBe('GET /v1/sandboxes');
          expect(typeof apiError.body.error).toBe('string');
          expect(apiError.code === undefined || typeof apiError.code === 'string').toBe(true);
          expect(showsKey(apiError.message, key), apiError.message).toBe(false);
          expect(showsKey(JSON.stringify(apiError.body), key), JSON.stringify(apiError.body)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on any status (1xx included), the normalised and redacted body never shows the key', () => {
    // What the WebSocket upgrade and the template build do with a refused answer's body.
    fc.assert(
      fc.property(response, ({ status, key, text, statusText, operation }) => {
        const body = normalizeErrorBody(text, status, statusText, [key]);
        const error = apiErrorFrom({ status, body, operation });
        expect(showsKey(error.message, key), error.message).toBe(false);
        expect(showsKey(JSON.stringify(error.body), key), JSON.stringify(error.body)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
