// One error hierarchy for both APIs. HTTP errors are classed by the API's `code` first (it is more
// precise) and by status otherwise. No error ever holds a credential: messages and bodies are redacted
// before they get here, and requests and headers are never kept.
import type { components } from '../generated/schema.js';
import { errorBodyOf } from './internal/error-body.js';

type ErrorCode = components['schemas']['ErrorCode'];
/**
 * An error body as this client hands it over: always the flat shape. The spec's `ErrorResponse` also
 * admits a nested `{ error: { message } }` and a top-level `{ message }` (the sources disagree on
 * the Control Plane's); src/internal/error-body.ts turns every shape into this one.
 */
export type ErrorBody = components['schemas']['ErrorResponseFlat'];

export interface HopxErrorInit {
  status?: number | undefined;
  /** The API's machine-readable code. An open set: a code newer than this client is still a string. */
  code?: ErrorCode | undefined;
  requestId?: string | undefined;
  /** Seconds the server asked us to wait (`Retry-After` or `X-RateLimit-Reset`). */
  retryAfter?: number | undefined;
  /** `GET /files/read`: method and path of the failed call, without query string or host. */
  operation?: string | undefined;
  body?: ErrorBody | undefined;
  cause?: unknown;
}

/** Base class of every error this client throws. */
export class HopxError extends Error {
  override name = 'HopxError';
  readonly status: number | undefined;
  readonly code: ErrorCode | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  readonly operation: string | undefined;

  constructor(message: string, init: HopxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.operation = init.operation;
  }
}

/** The client was configured wrongly (no API key, a malformed key, no way to reach a sandbox). */
export class HopxConfigError extends HopxError {
  override name = 'HopxConfigError';
}

/** No response arrived: connection refused or reset, DNS failure, TLS error. */
export class HopxConnectionError extends HopxError {
  override name = 'HopxConnectionError';
}

/** No response (or no next byte of it) within the timeout. */
export class HopxTimeoutError extends HopxConnectionError {
  override name = 'HopxTimeoutError';
}

/**
 * The server answered with a redirect (3xx). The client never follows one: a request body would
 * have to be held in memory to be sent again, and credentials must not travel to another host. It
 * is an answer, not a failure to connect, so it is never retried.
 */
export class HopxRedirectError extends HopxError {
  override name = 'HopxRedirectError';
  /** Where the server pointed (`Location`), when it could be learned. */
  readonly location: string | undefined;
  constructor(message: string, init: HopxErrorInit & { location: string | undefined }) {
    super(message, init);
    this.location = init.location;
  }
}

/** The caller's AbortSignal fired. */
export class HopxAbortError extends HopxError {
  override name = 'HopxAbortError';
}

/**
 * The error for `what` (a call or a stream) ended by `signal`: the signal's own reason when that is
 * already a HopxAbortError (a stream's close()), otherwise a new one with the reason as its cause.
 */
export function abortedError(what: string, signal: AbortSignal | undefined, operation?: string): HopxAbortError {
  if (signal?.reason instanceof HopxAbortError) return signal.reason;
  return new HopxAbortError(`${what} was aborted`, { operation, cause: signal?.reason });
}

/** A success response whose body is not what the spec promises (malformed JSON, wrong content type). */
export class HopxResponseFormatError extends HopxError {
  override name = 'HopxResponseFormatError';
}

/** The server answered with an error status. `body` is its ErrorResponse, normalised to the flat shape. */
export class HopxApiError extends HopxError {
  override name = 'HopxApiError';
  declare readonly status: number;
  readonly body: ErrorBody;

  constructor(message: string, init: HopxErrorInit & { status: number; body: ErrorBody }) {
    super(message, init);
    this.body = init.body;
  }
}

export class BadRequestError extends HopxApiError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends HopxApiError {
  override name = 'AuthenticationError';
}
export class PaymentRequiredError extends HopxApiError {
  override name = 'PaymentRequiredError';
}
export class PermissionDeniedError extends HopxApiError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends HopxApiError {
  override name = 'NotFoundError';
}
export class ConflictError extends HopxApiError {
  override name = 'ConflictError';
}
export class GoneError extends HopxApiError {
  override name = 'GoneError';
}
export class UnprocessableEntityError extends HopxApiError {
  override name = 'UnprocessableEntityError';
}
export class RateLimitError extends HopxApiError {
  override name = 'RateLimitError';
}
export class InternalServerError extends HopxApiError {
  override name = 'InternalServerError';
}
export class ServiceUnavailableError extends InternalServerError {
  override name = 'ServiceUnavailableError';
}

/** The sandbox token expired or is invalid (refreshing it once did not help). */
export class TokenExpiredError extends AuthenticationError {
  override name = 'TokenExpiredError';
}
export class PathNotAllowedError extends PermissionDeniedError {
  override name = 'PathNotAllowedError';
}
export class FileNotFoundError extends NotFoundError {
  override name = 'FileNotFoundError';
}
export class ProcessNotFoundError extends NotFoundError {
  override name = 'ProcessNotFoundError';
}
export class SandboxNotFoundError extends NotFoundError {
  override name = 'SandboxNotFoundError';
}
export class SandboxExpiredError extends GoneError {
  override name = 'SandboxExpiredError';
}
export class TemplateBuildFailedError extends HopxApiError {
  override name = 'TemplateBuildFailedError';
}
/** The sandbox's template has no desktop (`DESKTOP_NOT_AVAILABLE`, answered as 501 or 503). */
export class DesktopNotAvailableError extends HopxApiError {
  override name = 'DesktopNotAvailableError';
}

type ApiErrorClass = new (message: string, init: HopxErrorInit & { status: number; body: ErrorBody }) => HopxApiError;

// Maps, not object literals: a code comes from the server, and a plain object would also answer
// for the names every object inherits (`constructor`, `toString`, `__proto__`).
const byCode = new Map<string, ApiErrorClass>([
  ['TOKEN_EXPIRED', TokenExpiredError],
  ['TOKEN_INVALID', TokenExpiredError],
  ['INVALID_TOKEN', TokenExpiredError],
  ['PATH_NOT_ALLOWED', PathNotAllowedError],
  ['FILE_NOT_FOUND', FileNotFoundError],
  ['DIRECTORY_NOT_FOUND', FileNotFoundError],
  ['PROCESS_NOT_FOUND', ProcessNotFoundError],
  ['SANDBOX_NOT_FOUND', SandboxNotFoundError],
  ['SANDBOX_EXPIRED', SandboxExpiredError],
  ['TEMPLATE_BUILD_FAILED', TemplateBuildFailedError],
  ['DESKTOP_NOT_AVAILABLE', DesktopNotAvailableError],
]);

const byStatus = new Map<number, ApiErrorClass>([
  [400, BadRequestError],
  [401, AuthenticationError],
  [402, PaymentRequiredError],
  [403, PermissionDeniedError],
  [404, NotFoundError],
  [409, ConflictError],
  [410, GoneError],
  [422, UnprocessableEntityError],
  [429, RateLimitError],
  [503, ServiceUnavailableError],
]);

export interface ApiErrorParts {
  status: number;
  body: ErrorBody;
  operation?: string | undefined;
  requestId?: string | undefined;
  retryAfter?: number | undefined;
}

/**
 * Builds the most specific error class for an error response. `body` is normally the flat body the
 * client made; anything else (a body a `{ data, error }` caller kept, with fields of any type) is
 * normalised first, so that this never throws.
 */
export function apiErrorFrom({ status, body: given, operation, requestId, retryAfter }: ApiErrorParts): HopxApiError {
  const body = errorBodyOf(given, status);
  const code = body.code;
  const Class =
    (code && byCode.get(code)) || byStatus.get(status) || (status >= 500 ? InternalServerError : HopxApiError);
  const id = body.request_id ?? requestId;
  const where = [operation, id && `request ${id}`].filter(Boolean).join(', ');
  const message = `${status}${code ? ` ${code}` : ''}: ${body.error}${where ? ` (${where})` : ''}`;
  return new Class(message, { status, code, body, operation, requestId: id, retryAfter });
}

/** A stream's server sent an `error` message (WebSocket) or an event it could not have meant. */
export class HopxStreamError extends HopxError {
  override name = 'HopxStreamError';
}

/** A WebSocket closed before its protocol's last message (or, for a watch, closed at all). */
export class HopxStreamClosedError extends HopxConnectionError {
  override name = 'HopxStreamClosedError';
  readonly closeCode: number;
  readonly closeReason: string;
  constructor(message: string, init: HopxErrorInit & { closeCode: number; closeReason: string }) {
    super(message, init);
    this.closeCode = init.closeCode;
    this.closeReason = init.closeReason;
  }
}

/** A local file the caller named cannot be used: missing, a directory, unreadable, or unwritable. */
export class HopxLocalFileError extends HopxError {
  override name = 'HopxLocalFileError';
  readonly path: string;
  readonly reason: 'not-found' | 'is-directory' | 'permission-denied' | 'other';
  constructor(message: string, init: HopxErrorInit & { path: string; reason: HopxLocalFileError['reason'] }) {
    super(message, init);
    this.path = init.path;
    this.reason = init.reason;
  }
}
