// When to retry and how long to wait. Pure functions of what happened, the clock's time and a random
// number, so the whole policy can be tested without a server or a clock.

export const DEFAULT_MAX_RETRIES = 2;
export const BASE_DELAY_MS = 500;
export const MAX_BACKOFF_MS = 8_000;
/** A server asking for a longer wait than this gets its error back instead of a stalled call. */
export const MAX_RETRY_AFTER_MS = 60_000;

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Statuses that prove the server did not act on the request, so even a request that must not run
 * twice (creating a sandbox, running code) can be sent again.
 */
export function provesNotActed(status: number): boolean {
  return status === 429 || status === 408;
}

/**
 * Error codes that a retry cannot change, whatever the status says: the sandbox has no desktop
 * (answered 503), the file exists (409), the sandbox is stopped or gone, the path is refused.
 */
const FINAL_CODES = new Set([
  'DESKTOP_NOT_AVAILABLE',
  'FILE_ALREADY_EXISTS',
  'SANDBOX_STOPPED',
  'SANDBOX_EXPIRED',
  'SANDBOX_NOT_FOUND',
  'PATH_NOT_ALLOWED',
]);

export function retryCannotHelp(code: string | undefined): boolean {
  return code !== undefined && FINAL_CODES.has(code);
}

/** Connection errors raised before a byte of the request left this machine. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export function errorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    e = cause;
  }
  return undefined;
}

export function wasNeverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/** `Retry-After` as seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `X-RateLimit-Reset` in epoch seconds; undefined when absent or unreadable. */
export function parseRateLimitResetMs(value: string | null, now: number): number | undefined {
  if (!value || !/^\d+$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value.trim()) * 1000 - now);
}

/**
 * How long the server asked us to wait: `Retry-After`, or for a 429 the end of the rate-limit
 * window (`X-RateLimit-Reset`). The window's end says nothing about when a 5xx is worth retrying,
 * and servers send it on every answer: a 503 must not make a client sit out the rest of a minute.
 */
export function serverDelayMs(status: number, headers: Headers, now: number): number | undefined {
  const retryAfter = parseRetryAfterMs(headers.get('retry-after'), now);
  if (retryAfter !== undefined || status !== 429) return retryAfter;
  return parseRateLimitResetMs(headers.get('x-ratelimit-reset'), now);
}

/** Exponential backoff with full jitter for attempt 1, 2, ... (`random` in [0, 1)). */
export function backoffMs(retryNumber: number, random: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** (retryNumber - 1));
  // Half fixed, half jitter: spreads clients out without ever retrying instantly.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What one attempt ended with. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; headers: Headers }
  /** No response: the connection failed or the timeout fired (`cause` is what fetch threw). */
  | { kind: 'no-response'; cause: unknown };

export interface RetryBudget {
  /** Retries already made. */
  retries: number;
  maxRetries: number;
  /** The operation is safe to send twice. */
  idempotent: boolean;
  /** The body can be sent again. */
  replayable: boolean;
}

/**
 * How long to wait before trying again, or undefined when the outcome is final: a status that
 * retrying will not change, no retries left, a body that cannot be sent twice, an operation that
 * must not run twice unless the server provably did not act, or a server asking for a longer wait
 * than MAX_RETRY_AFTER_MS (its error is more useful than a stalled call).
 */
export function retryDelayMs(
  outcome: AttemptOutcome,
  budget: RetryBudget,
  now: number,
  random: number,
): number | undefined {
  if (budget.retries >= budget.maxRetries || !budget.replayable) return undefined;
  if (outcome.kind === 'no-response') {
    return budget.idempotent || wasNeverSent(outcome.cause) ? backoffMs(budget.retries + 1, random) : undefined;
  }
  if (!isRetryableStatus(outcome.status) || !(budget.idempotent || provesNotActed(outcome.status))) return undefined;
  const asked = serverDelayMs(outcome.status, outcome.headers, now);
  if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) return undefined;
  return asked ?? backoffMs(budget.retries + 1, random);
}
