// Turns whatever an error response carried into the spec's flat ErrorResponseFlat. The docs show the
// flat form; the official SDKs also read a nested `{ error: { message } }` and a top-level `message`
// on Control Plane errors (all three are the spec's ErrorResponse), and gateways send HTML or nothing
// at all; the caller always gets `{ error, code?, request_id? }`.
import type { ErrorBody } from '../errors.js';

const SNIPPET_LENGTH = 200;

export function normalizeErrorBody(text: string, status: number, statusText: string): ErrorBody {
  const parsed = parseJson(text);
  if (isObject(parsed)) {
    if (typeof parsed.error === 'string') return { ...(parsed as ErrorBody) };
    if (isObject(parsed.error)) {
      const nested = parsed.error;
      return dropUndefined({
        error: stringOr(nested.message, `HTTP ${status}`),
        code: stringOr(nested.code, undefined) as ErrorBody['code'],
        request_id: stringOr(nested.request_id, stringOr(parsed.request_id, undefined)),
        details: isObject(nested.details) ? nested.details : undefined,
      });
    }
    if (typeof parsed.message === 'string') {
      return dropUndefined({
        error: parsed.message,
        code: stringOr(parsed.code, undefined) as ErrorBody['code'],
        request_id: stringOr(parsed.request_id, undefined),
      });
    }
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH);
  const reason = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return { error: snippet ? `${reason}: ${snippet}` : `${reason} (empty body)` };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' && value ? value : fallback;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
