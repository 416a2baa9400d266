// From a call's `{ data, error, response }` result to what a caller needs: the typed error of a
// failed call (`errorOf`, public), or the data of a successful one (`dataOf`, for our own helpers).
import { apiErrorFrom, type ErrorBody, type HopxApiError, type HopxError, HopxResponseFormatError } from './errors.js';
import { normalizeErrorBody } from './internal/error-body.js';
import { serverDelayMs } from './internal/retry-policy.js';

interface CallResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** For `{ data, error }` callers who want the typed error class of a failed result; undefined for a success. */
export function errorOf(result: { error?: unknown; response: Response }, operation?: string): HopxApiError | undefined {
  if (result.error === undefined && result.response.ok) return undefined;
  const delayMs = serverDelayMs(result.response.status, result.response.headers, Date.now());
  return apiErrorFrom({
    status: result.response.status,
    body:
      (result.error as ErrorBody | undefined) ??
      normalizeErrorBody('', result.response.status, result.response.statusText),
    operation,
    requestId: result.response.headers.get('x-request-id') ?? undefined,
    retryAfter: delayMs === undefined ? undefined : Math.ceil(delayMs / 1000),
  });
}

/**
 * The error to throw for a call whose result cannot be used: the typed API error for an error
 * status, or HopxResponseFormatError for a success without the body the operation promises (a
 * `204 No Content` where data was expected). Always an error: `throw callError(...)` never throws
 * `undefined`.
 */
export function callError(result: CallResult, operation: string): HopxError {
  const error = errorOf(result, operation);
  if (error) return error;
  const { status } = result.response;
  return new HopxResponseFormatError(
    `${operation}: the ${status} response has no body, where the operation promises one`,
    {
      status,
      operation,
      requestId: result.response.headers.get('x-request-id') ?? undefined,
    },
  );
}

/** The data of a successful call, or its typed error thrown. */
export function dataOf<R extends CallResult>(result: R, operation: string): NonNullable<R['data']> {
  if (result.data === undefined || result.data === null) throw callError(result, operation);
  return result.data as NonNullable<R['data']>;
}
