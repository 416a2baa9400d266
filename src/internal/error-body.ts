// Turns whatever an error response carried into the spec's flat ErrorResponseFlat. The docs show the
// flat form; the official SDKs also read a nested `{ error: { message } }` and a top-level `message`
// on Control Plane errors (all three are the spec's ErrorResponse), and gateways send HTML or nothing
// at all; the caller always gets `{ error, code?, request_id? }`.
//
// The body comes from a server, so nothing in it is trusted to have the type the spec gives it: a
// declared field of another type (`"code": 404`, `"request_id": {}`) is left out of the flat body
// rather than handed on under a type it does not have.
import type { ErrorBody } from '../errors.js';
import { redactJson, redactText } from './secrets.js';

const SNIPPET_LENGTH = 200;

/**
 * The flat body of an error response's text. `secrets` are redacted before a non-JSON body is cut
 * to its snippet (cut first, a secret across the cut would survive in part) and from the result.
 */
export function normalizeErrorBody(
  text: string,
  status: number,
  statusText: string,
  secrets: readonly string[] = [],
): ErrorBody {
  const body =
    fromValue(parseJson(text), status, statusText) ??
    fromText(redactText(text, secrets), status, redactText(statusText, secrets));
  return secrets.length === 0 ? body : redactJson(body, secrets);
}

/**
 * `value` as a flat error body: itself when it already is one, otherwise what normalizeErrorBody
 * makes of it (for an error body handed over by a caller, which may be anything).
 */
export function errorBodyOf(value: unknown, status: number): ErrorBody {
  if (isFlat(value)) return value;
  return fromValue(value, status, '') ?? fromText(typeof value === 'string' ? value : jsonText(value), status, '');
}

/** The flat body of a parsed JSON body in one of the spec's three shapes; undefined for any other value. */
function fromValue(parsed: unknown, status: number, statusText: string): ErrorBody | undefined {
  if (!isObject(parsed)) return undefined;
  const fallback = reasonOf(status, statusText);
  if (typeof parsed.error === 'string') {
    const body: Record<string, unknown> = { ...parsed, error: parsed.error || fallback };
    for (const name of optionalStrings) if (!isText(body[name])) delete body[name];
    if (!isObject(body.details)) delete body.details;
    return body as ErrorBody;
  }
  if (isObject(parsed.error)) {
    const nested = parsed.error;
    return dropUndefined({
      error: stringOr(nested.message, fallback),
      code: stringOr(nested.code, undefined) as ErrorBody['code'],
      request_id: stringOr(nested.request_id, stringOr(parsed.request_id, undefined)),
      details: isObject(nested.details) ? nested.details : undefined,
    });
  }
  if (typeof parsed.message === 'string') {
    return dropUndefined({
      error: parsed.message || fallback,
      code: stringOr(parsed.code, undefined) as ErrorBody['code'],
      request_id: stringOr(parsed.request_id, undefined),
    });
  }
  return undefined;
}

function fromText(text: string, status: number, statusText: string): ErrorBody {
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH);
  const reason = reasonOf(status, statusText);
  return { error: snippet ? `${reason}: ${snippet}` : `${reason} (empty body)` };
}

/** The optional string fields of ErrorResponseFlat (`error` is required; `details` is an object). */
const optionalStrings = ['code', 'request_id', 'message', 'path', 'timestamp'] as const;

function isFlat(value: unknown): value is ErrorBody {
  return (
    isObject(value) &&
    typeof value.error === 'string' &&
    value.error !== '' &&
    optionalStrings.every((name) => value[name] === undefined || isText(value[name])) &&
    (value.details === undefined || isObject(value.details))
  );
}

function reasonOf(status: number, statusText: string): string {
  return `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON text of any value, or '' when it has none (undefined, a function, a cycle, a BigInt). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return isText(value) ? value : fallback;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
