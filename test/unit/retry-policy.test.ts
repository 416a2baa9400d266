// The retry policy as pure functions of what happened, a fixed clock and a fixed random number:
// which outcomes are retried, after how long, and when the client gives up. No server, no waiting.
import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  backoffMs,
  parseRateLimitResetMs,
  parseRetryAfterMs,
  type RetryBudget,
  retryCannotHelp,
  retryDelayMs,
  serverDelayMs,
} from '../../src/internal/retry-policy.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const response = (status: number, headers: Record<string, string> = {}): AttemptOutcome => ({
  kind: 'response',
  status,
  headers: new Headers(headers),
});
const failed = (code?: string): AttemptOutcome => ({
  kind: 'no-response',
  cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('boom'), { code }) }),
});
const budget = (over: Partial<RetryBudget> = {}): RetryBudget => ({
  retries: 0,
  maxRetries: 2,
  idempotent: true,
  replayable: true,
  ...over,
});

describe('backoff', () => {
  it('grows 500 ms × 2^(n-1), half fixed and half jitter, capped at 8 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 0))).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 0.999999))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(2, 0.5)).toBe(750);
  });
});

describe('what the server asks for', () => {
  it('reads Retry-After in seconds, as a date, and X-RateLimit-Reset in epoch seconds', () => {
    expect(parseRetryAfterMs('3', NOW)).toBe(3000);
    expect(parseRetryAfterMs('1.5', NOW)).toBe(1500);
    expect(parseRetryAfterMs(new Date(NOW + 2000).toUTCString(), NOW)).toBe(2000);
    expect(parseRetryAfterMs(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
    expect(parseRateLimitResetMs(String(NOW / 1000 + 7), NOW)).toBe(7000);
    expect(parseRateLimitResetMs('-1', NOW)).toBeUndefined();
  });

  it('prefers Retry-After over X-RateLimit-Reset', () => {
    const reset = String(NOW / 1000 + 30);
    expect(serverDelayMs(429, new Headers({ 'retry-after': '1', 'x-ratelimit-reset': reset }), NOW)).toBe(1000);
    expect(serverDelayMs(429, new Headers({ 'x-ratelimit-reset': reset }), NOW)).toBe(30_000);
    expect(serverDelayMs(429, new Headers(), NOW)).toBeUndefined();
  });

  it('reads the rate-limit window only for a 429: servers send it on every answer', () => {
    const window = {
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '97',
      'x-ratelimit-reset': String(NOW / 1000 + 55),
    };
    expect(serverDelayMs(503, new Headers(window), NOW)).toBeUndefined();
    expect(serverDelayMs(500, new Headers(window), NOW)).toBeUndefined();
    expect(retryDelayMs(response(503, window), budget(), NOW, 0.5)).toBe(375);
    expect(serverDelayMs(503, new Headers({ 'retry-after': '2' }), NOW)).toBe(2000);
  });
});

describe('retryDelayMs', () => {
  it.each([408, 409, 429, 500, 502, 503, 504])('retries %i after the backoff', (status) => {
    expect(retryDelayMs(response(status), budget(), NOW, 0.5)).toBe(375);
  });

  it.each([200, 201, 400, 401, 403, 404, 410, 422])('never retries %i', (status) => {
    expect(retryDelayMs(response(status), budget(), NOW, 0.5)).toBeUndefined();
  });

  it('waits what the server asked for instead of the backoff, up to a minute', () => {
    expect(retryDelayMs(response(429, { 'retry-after': '2' }), budget(), NOW, 0.5)).toBe(2000);
    expect(
      retryDelayMs(response(503, { 'retry-after': new Date(NOW + 60_000).toUTCString() }), budget(), NOW, 0.5),
    ).toBe(60_000);
    expect(retryDelayMs(response(429, { 'x-ratelimit-reset': String(NOW / 1000 + 4) }), budget(), NOW, 0.5)).toBe(4000);
    // A wait of an hour: the caller gets the error (with retryAfter) rather than a stalled call.
    expect(retryDelayMs(response(429, { 'retry-after': '3600' }), budget(), NOW, 0.5)).toBeUndefined();
  });

  it('grows the backoff with each retry and stops when the budget is spent', () => {
    expect(retryDelayMs(response(503), budget({ retries: 1 }), NOW, 0.5)).toBe(750);
    expect(retryDelayMs(response(503), budget({ retries: 2 }), NOW, 0.5)).toBeUndefined();
    expect(retryDelayMs(response(503), budget({ maxRetries: 0 }), NOW, 0.5)).toBeUndefined();
  });

  it('never retries a body that cannot be sent again', () => {
    expect(retryDelayMs(response(503), budget({ replayable: false }), NOW, 0.5)).toBeUndefined();
    expect(retryDelayMs(failed('ECONNREFUSED'), budget({ replayable: false }), NOW, 0.5)).toBeUndefined();
  });

  it('retries what must not run twice only when the server provably did not act', () => {
    const once = budget({ idempotent: false });
    expect(retryDelayMs(response(429), once, NOW, 0.5)).toBe(375);
    expect(retryDelayMs(response(408), once, NOW, 0.5)).toBe(375);
    expect(retryDelayMs(response(500), once, NOW, 0.5)).toBeUndefined();
    expect(retryDelayMs(response(503), once, NOW, 0.5)).toBeUndefined();
    expect(retryDelayMs(failed('ECONNREFUSED'), once, NOW, 0.5)).toBe(375);
    expect(retryDelayMs(failed('ENOTFOUND'), once, NOW, 0.5)).toBe(375);
    expect(retryDelayMs(failed('ECONNRESET'), once, NOW, 0.5)).toBeUndefined();
    expect(retryDelayMs(failed(), once, NOW, 0.5)).toBeUndefined();
  });

  it('retries any connection failure of an idempotent call', () => {
    expect(retryDelayMs(failed('ECONNRESET'), budget(), NOW, 0)).toBe(250);
    expect(retryDelayMs(failed(), budget(), NOW, 0)).toBe(250);
  });
});

describe('retryCannotHelp', () => {
  it('names the codes whose answer a retry cannot change, and no others', () => {
    for (const code of ['DESKTOP_NOT_AVAILABLE', 'FILE_ALREADY_EXISTS', 'SANDBOX_STOPPED', 'SANDBOX_EXPIRED'])
      expect(retryCannotHelp(code)).toBe(true);
    for (const code of ['SANDBOX_CREATING', 'INTERNAL_ERROR', 'EXECUTION_TIMEOUT', undefined])
      expect(retryCannotHelp(code)).toBe(false);
  });
});
