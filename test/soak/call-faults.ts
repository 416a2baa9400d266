// The faults a soak call can meet, one per attempt, and what src/internal/retry-policy.ts promises
// for each: whether the client tries again, and what the caller gets when it does not. The soak
// test checks every call against `promisedOutcome` and every server arrival against the plan.
import {
  HopxConnectionError,
  type HopxError,
  HopxTimeoutError,
  RateLimitError,
  ServiceUnavailableError,
} from '../../src/index.js';
import { pick, type Random } from './seeded-random.js';

export type Fault =
  /** A normal 200 answer. */
  | 'ok'
  /** The connection is refused: nothing reaches the server (the attempt goes to a closed port). */
  | 'refused'
  /** The server reads the request, then resets the connection (RST) without answering. */
  | 'reset'
  /** The server reads the request, then closes the connection (FIN) without answering. */
  | 'hangup'
  /** 429 with a tiny `Retry-After` (0, a few ms, or a date in the past). */
  | '429'
  /** 429 without `Retry-After`: the client's own backoff. */
  | '429-backoff'
  /** 503 with a tiny `Retry-After`. */
  | '503'
  /** 503 without `Retry-After`. */
  | '503-backoff'
  /** No response head at all: the call's timeout fires. */
  | 'stall'
  /** A 200 head and half the body, then the connection closes. */
  | 'cut'
  /** A 200 head and half the body, then silence: the call's timeout fires while the body is read. */
  | 'stall-body';

/** How often each fault is drawn for an attempt that fails (backoffs and stalls cost real time). */
const FAULT_WEIGHTS: Record<Exclude<Fault, 'ok'>, number> = {
  refused: 1,
  reset: 2,
  hangup: 2,
  '429': 3,
  '429-backoff': 0.4,
  '503': 3,
  '503-backoff': 0.4,
  stall: 0.15,
  cut: 1.2,
  'stall-body': 0.1,
};

/**
 * The per-call `timeout` of a call that meets a stall: short, yet far above a loopback answer even
 * on a loaded machine (it bounds that call's healthy attempts too, and CI runs projects side by side).
 */
export const STALL_TIMEOUT_MS = 2_000;

/** The faults of each attempt of one call, as many as it may make (`maxRetries + 1`). */
export function planAttempts(random: Random, maxRetries: number, faultRate: number): Fault[] {
  return Array.from({ length: maxRetries + 1 }, () => (random() < faultRate ? pick(random, FAULT_WEIGHTS) : 'ok'));
}

/** The fault proves the server did not act on the request: retry-policy's `provesNotActed` (429, 408). */
export function provesNotActed(fault: Fault): boolean {
  return fault === '429' || fault === '429-backoff';
}

/**
 * Whether the client sends the call again after `fault`, budget permitting. The policy: a refused
 * connection (nothing was sent) and a 429 (the server did not act) are retried for every operation;
 * a lost connection, a timeout before the head and a 5xx only when the operation is idempotent;
 * a failure while reading a 200 body never (the transport has already handed the response on).
 */
function retried(fault: Fault, idempotent: boolean): boolean {
  switch (fault) {
    case 'refused':
    case '429':
    case '429-backoff':
      return true;
    case 'reset':
    case 'hangup':
    case '503':
    case '503-backoff':
    case 'stall':
      return idempotent;
    default:
      return false;
  }
}

export interface PromisedOutcome {
  /** Attempts the client makes. */
  attempts: number;
  /** Attempts that reach the server (all but the refused ones). */
  arrivals: number;
  /** The fault of the last attempt: 'ok' is a success, anything else the error the caller gets. */
  final: Fault;
}

export function promisedOutcome(plan: readonly Fault[], idempotent: boolean, maxRetries: number): PromisedOutcome {
  let arrivals = 0;
  for (let attempt = 0; ; attempt++) {
    const fault = plan[attempt] ?? 'ok';
    if (fault !== 'refused') arrivals++;
    if (fault === 'ok' || !retried(fault, idempotent) || attempt >= maxRetries) {
      return { attempts: attempt + 1, arrivals, final: fault };
    }
  }
}

/** The error class a call that ends with `fault` rejects with. */
export function errorClassOf(fault: Exclude<Fault, 'ok'>): abstract new (...args: never[]) => HopxError {
  switch (fault) {
    case '429':
    case '429-backoff':
      return RateLimitError;
    case '503':
    case '503-backoff':
      return ServiceUnavailableError;
    case 'stall':
    case 'stall-body':
      return HopxTimeoutError;
    default:
      return HopxConnectionError;
  }
}
