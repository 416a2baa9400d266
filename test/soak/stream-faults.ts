// The faults a soak stream can meet, and what src/streams/ promises for each. An event stream
// (event-stream.ts over the transport) meets one fault per HTTP request the server gets; a WebSocket
// session (agent-socket.ts) one fault for the whole session. The plans are drawn from a seeded random,
// so a failing seed replays the same faults.
import {
  HopxConnectionError,
  type HopxError,
  HopxResponseFormatError,
  HopxStreamClosedError,
  HopxStreamError,
  HopxTimeoutError,
  RateLimitError,
  ServiceUnavailableError,
} from '../../src/index.js';
import { between, pick, type Random } from './seeded-random.js';

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

export type SseFault =
  /** The rest of the events, then a clean end of the response (the client reconnects, and gets 204). */
  | 'ok'
  /** 429 with a tiny Retry-After: the transport tries again, within its budget. */
  | '429'
  /** 503 with a tiny Retry-After. */
  | '503'
  /** The request is read, then the connection is reset before any answer. */
  | 'reset-head'
  /** No answer at all: the idle timeout fires before the head. */
  | 'stall-head'
  /** Some events, then half of the next one, then the connection closes (FIN). */
  | 'drop'
  /** Some events, then the connection is reset (RST): what was in flight may or may not arrive. */
  | 'reset-body'
  /** Some events, then a clean end of the response. */
  | 'end'
  /** Some events, then silence: the idle timeout fires while the body is read. */
  | 'stall-body'
  /** Some events, then one whose data is not JSON. */
  | 'malformed';

/** Faults answered before a response head: the transport may retry them inside one connect. */
export const HEAD_FAULTS: ReadonlySet<SseFault> = new Set(['429', '503', 'reset-head', 'stall-head']);

const SSE_FAULT_WEIGHTS: Record<Exclude<SseFault, 'ok'>, number> = {
  drop: 3,
  'reset-body': 1.5,
  end: 2,
  '429': 2,
  '503': 2,
  'reset-head': 1,
  'stall-head': 0.12,
  'stall-body': 0.2,
  malformed: 0.25,
};

export interface SseArrivalPlan {
  fault: SseFault;
  /** Body faults: new events sent before the fault (0 makes a reconnect that brings nothing). */
  events: number;
  /** Events already delivered that the server sends again first (the client must drop them). */
  replays: number;
  /** A `retry:` field (ms) the server sends first, or none. */
  retry: number | undefined;
}

/** What the caller does: read to the end, or stop after some events. */
export type SseReader =
  | { kind: 'all' }
  /** `break` out of `for await` after `after` events. */
  | { kind: 'break'; after: number }
  /** `close()` after `after` events, then read on: the stream must end at once. */
  | { kind: 'close'; after: number }
  /** Aborts the stream's own signal after `after` events. */
  | { kind: 'abort'; after: number };

export interface SsePlan {
  index: number;
  route: 'sandbox-events' | 'sandbox-metrics';
  /** Events the stream has (ids `1..total`, as `<stream>-<n>`). */
  total: number;
  /** What the server does with each request of this stream, in order; 'ok' once they run out. */
  arrivals: SseArrivalPlan[];
  maxReconnects: number;
  idleTimeout: number;
  reader: SseReader;
}

/** The idle timeout of a stream that meets a stall: short, yet far above a loopback answer under load. */
export const STREAM_STALL_TIMEOUT_MS = 1_500;
/** The idle timeout of every other stream. */
export const STREAM_IDLE_TIMEOUT_MS = 30_000;
/** The soak's Control Plane client retries each connect this many times (429, 503, resets, stalls). */
export const STREAM_MAX_RETRIES = 1;

export function planSseStream(random: Random, index: number): SsePlan {
  const total = between(random, 8, 40);
  const arrivals = Array.from({ length: between(random, 1, 8) }, (): SseArrivalPlan => {
    const fault = pick(random, SSE_FAULT_WEIGHTS);
    return {
      fault,
      // A third of the body faults bring nothing new: several in a row exhaust maxReconnects.
      events: random() < 0.33 ? 0 : between(random, 1, 6),
      replays: random() < 0.5 ? 0 : between(random, 1, 3),
      retry: random() < 0.3 ? between(random, 0, 3) : undefined,
    };
  });
  const stalls = arrivals.some((arrival) => arrival.fault === 'stall-head' || arrival.fault === 'stall-body');
  const reader = pick(random, { all: 16, break: 1, close: 1, abort: 1 });
  const after = between(random, 1, total - 1);
  return {
    index,
    route: random() < 0.5 ? 'sandbox-events' : 'sandbox-metrics',
    total,
    arrivals,
    maxReconnects: between(random, 1, 3),
    idleTimeout: stalls ? STREAM_STALL_TIMEOUT_MS : STREAM_IDLE_TIMEOUT_MS,
    reader: reader === 'all' ? { kind: 'all' } : { kind: reader, after },
  };
}

/** One request of an event stream, as the server saw and answered it. */
export interface SseArrival {
  /** X-Request-ID: the same for the transport's retries of one connect, new for each reconnect. */
  requestId: string;
  /** The Last-Event-ID it carried, as a number (0 when it carried none). */
  lastEventId: number;
  /** What the server did: a fault of the plan, or 204 (the client had every event). */
  fault: SseFault | '204';
}

/** How a stream ended, as the caller saw it: every event it got (ids), and done or the error. */
export interface SseResult {
  delivered: number[];
  outcome: 'done' | HopxError | unknown;
}

/**
 * Whatever in the stream's log (the server's) and result (the caller's) breaks what event-stream.ts
 * and the transport promise: events exactly once and in order; each connect retried within the transport's budget
 * and only after a fault before the head; a reconnect after each lost connection, with the last
 * delivered id, until `maxReconnects` lost connections in a row brought nothing; and the ending
 * the last fault promises (204: every event; a 429 or 503 that used up the retries: that error;
 * a stall: HopxTimeoutError; a non-JSON event: HopxResponseFormatError; too many fruitless
 * reconnects: HopxConnectionError). A stream its caller stopped ends as the caller asked.
 */
export function sseProblems(plan: SsePlan, log: readonly SseArrival[], result: SseResult): string[] {
  const problems: string[] = [];
  const { delivered, outcome } = result;
  for (let i = 0; i < delivered.length; i++) {
    if (delivered[i] !== i + 1) {
      problems.push(`delivered [${delivered.join(',')}]: not each of 1..n once and in order`);
      break;
    }
  }
  const got = delivered.length;
  if (got > plan.total) problems.push(`delivered ${got} events of ${plan.total}`);

  // One connect per X-Request-ID, in the order they arrived.
  const connects: SseArrival[][] = [];
  for (const arrival of log) {
    const current = connects.at(-1);
    if (current && current[0]!.requestId === arrival.requestId) current.push(arrival);
    else if (connects.some((connect) => connect[0]!.requestId === arrival.requestId))
      problems.push(`request ${arrival.requestId} came back after another connect`);
    else connects.push([arrival]);
  }
  if (connects.length === 0) return [...problems, 'the server saw no request'];

  // The caller stopped the stream after `after` events (a stream that ended sooner ended as usual).
  const stopped = plan.reader.kind !== 'all' && got >= plan.reader.after;
  let lastProgress = -1;
  let ending: string | undefined;
  for (let c = 0; c < connects.length; c++) {
    const attempts = connects[c]!;
    const last = attempts.at(-1)!;
    const isLast = c === connects.length - 1;
    const what = `connect ${c + 1} (${attempts.map((a) => a.fault).join(',')})`;
    if (attempts.length > STREAM_MAX_RETRIES + 1) problems.push(`${what}: more attempts than the retry budget`);
    for (const attempt of attempts.slice(0, -1)) {
      // A reset after the head was written may reach the client before the head: then it is one.
      if (!HEAD_FAULTS.has(attempt.fault as SseFault) && attempt.fault !== 'reset-body')
        problems.push(`${what}: retried after '${attempt.fault}', which came after the head`);
    }
    if (attempts.some((attempt) => attempt.lastEventId !== attempts[0]!.lastEventId))
      problems.push(`${what}: its attempts carried different Last-Event-IDs`);
    const from = attempts[0]!.lastEventId;
    const reached = isLast ? got : connects[c + 1]![0]!.lastEventId;
    if (reached < from) problems.push(`${what}: the next connect resumed from ${reached}, before ${from}`);
    if (reached > from) lastProgress = c;
    if (c === 0 && from !== 0) problems.push(`the first connect carried Last-Event-ID ${from}`);

    // How the client must have ended this connect, given its last attempt.
    const exhausted = attempts.length === STREAM_MAX_RETRIES + 1;
    let ends: string | undefined;
    switch (last.fault) {
      case '204':
        ends = 'done';
        break;
      case '429':
        ends = exhausted ? 'RateLimitError' : undefined;
        break;
      case '503':
        ends = exhausted ? 'ServiceUnavailableError' : undefined;
        break;
      case 'stall-head':
        ends = exhausted ? 'HopxTimeoutError' : undefined;
        break;
      case 'stall-body':
        ends = 'HopxTimeoutError';
        break;
      case 'malformed':
        ends = 'HopxResponseFormatError';
        break;
      case 'reset-head':
        ends = exhausted ? 'lost' : undefined;
        break;
      default:
        // drop, reset-body, end, ok: the connection is lost and the stream reconnects.
        ends = 'lost';
    }
    if (ends === undefined) {
      if (!(isLast && stopped)) problems.push(`${what}: not retried although the budget allowed it`);
      continue;
    }
    if (ends === 'lost') {
      // event-stream.ts counts reconnects since the last new event, and gives up at maxReconnects.
      const reconnects = lastProgress < 0 ? c : c - lastProgress;
      const givesUp = lastProgress !== c && reconnects >= plan.maxReconnects;
      if (givesUp) ending = 'gave up';
      if (!isLast && givesUp) problems.push(`${what}: reconnected after ${reconnects} fruitless reconnects`);
      if (isLast && !givesUp && !stopped) problems.push(`${what}: the stream ended instead of reconnecting`);
      continue;
    }
    ending = ends;
    if (!isLast) problems.push(`${what}: the stream went on after '${last.fault}', which ends it`);
  }

  if (stopped) {
    const { after } = plan.reader as { after: number };
    if (plan.reader.kind === 'abort') {
      if (!(outcome instanceof Error && outcome.name === 'HopxAbortError'))
        problems.push(`aborted after ${after} events, but ended with ${describe(outcome)}`);
    } else if (outcome !== 'done') problems.push(`stopped after ${after} events, but ended with ${describe(outcome)}`);
    // Not one event more, not even from a chunk already read (test/streams/sse-abort-mid-chunk.test.ts).
    if (got !== after) problems.push(`stopped (${plan.reader.kind}) after ${after} events, but ${got} were delivered`);
    return problems;
  }
  if (ending === 'done') {
    if (outcome !== 'done') problems.push(`the server answered 204, but the stream ended with ${describe(outcome)}`);
    if (got !== plan.total) problems.push(`ended after ${got} events of ${plan.total}`);
  } else if (ending === 'gave up') {
    if (!(outcome instanceof HopxConnectionError && outcome.constructor === HopxConnectionError))
      problems.push(`gave up reconnecting, but ended with ${describe(outcome)}`);
    else if (!/gave up after \d+ reconnect/.test(outcome.message))
      problems.push(`ended with HopxConnectionError, not the give-up: ${outcome.message}`);
  } else if (ending !== undefined) {
    const expected = { RateLimitError, ServiceUnavailableError, HopxTimeoutError, HopxResponseFormatError }[
      ending as 'RateLimitError'
    ];
    if (!(outcome instanceof Error) || outcome.constructor !== expected)
      problems.push(`the last fault promises ${ending}, but the stream ended with ${describe(outcome)}`);
  } else problems.push(`the stream ended (${describe(outcome)}) with no fault that ends it`);
  return problems;
}

/** The ending a stream's result shows, for the counts the test reports and checks. */
export function endingOf(plan: SsePlan, result: SseResult): string {
  const { outcome } = result;
  if (outcome === 'done') return plan.reader.kind === 'all' ? 'done' : `stopped (${plan.reader.kind})`;
  if (outcome instanceof HopxConnectionError && outcome.constructor === HopxConnectionError) return 'gave up';
  return outcome instanceof Error ? outcome.constructor.name : String(outcome);
}

// ---------------------------------------------------------------------------------------------
// WebSocket sessions

export type SocketFault =
  /** The session ends as the protocol says (`complete`, or the terminal's `exit`). */
  | 'ok'
  /** Some messages, then the TCP connection drops without a close frame (1006). */
  | 'drop'
  /** Some messages, then the server closes with 1011. */
  | 'close-1011'
  /** Some messages, then a frame that is not JSON. */
  | 'not-json'
  /** Some messages, then a JSON frame that is not a message (an array). */
  | 'not-a-message'
  /** Some messages, then the agent's `error` message (execute only). */
  | 'error-message'
  /** Some messages, then silence: the idle timeout. */
  | 'stall'
  /** The upgrade is refused with 503 and a Retry-After (WebSocket upgrades are not retried). */
  | 'refuse-503'
  /** The upgrade is refused with 429. */
  | 'refuse-429';

export interface SocketPlan {
  index: number;
  route: '/execute/stream' | '/terminal';
  /** Output messages sent before the ending (stdout/stderr, or terminal output). */
  messages: number;
  fault: SocketFault;
  /** Blank keepalive frames among the messages. */
  keepalives: boolean;
  idleTimeout: number;
}

const SOCKET_FAULTS: readonly SocketFault[] = [
  'ok',
  'drop',
  'ok',
  'close-1011',
  'not-json',
  'ok',
  'drop',
  'not-a-message',
  'error-message',
  'ok',
  'stall',
  'refuse-503',
  'refuse-429',
];

/**
 * Session `ordinal` (0, 1, ... among the sessions of a run) takes the faults in turn, so that every
 * kind is met in every run; what it sends before its fault is drawn.
 */
export function planSocket(random: Random, index: number, ordinal: number): SocketPlan {
  const fault = SOCKET_FAULTS[ordinal % SOCKET_FAULTS.length]!;
  // The agent's `error` message is an execute stream's; a terminal has none.
  const route = fault === 'error-message' || random() < 0.6 ? '/execute/stream' : '/terminal';
  return {
    index,
    route,
    messages: between(random, 0, 25),
    fault,
    keepalives: random() < 0.5,
    idleTimeout: fault === 'stall' ? STREAM_STALL_TIMEOUT_MS : STREAM_IDLE_TIMEOUT_MS,
  };
}

/** The error class a session with `fault` ends with (undefined: it ends normally). */
export function socketErrorOf(fault: SocketFault): (abstract new (...args: never[]) => HopxError) | undefined {
  switch (fault) {
    case 'ok':
      return undefined;
    case 'drop':
    case 'close-1011':
      return HopxStreamClosedError;
    case 'not-json':
    case 'not-a-message':
      return HopxResponseFormatError;
    case 'error-message':
      return HopxStreamError;
    case 'stall':
      return HopxTimeoutError;
    case 'refuse-503':
      return ServiceUnavailableError;
    case 'refuse-429':
      return RateLimitError;
  }
}

export function describe(outcome: unknown): string {
  if (outcome === 'done') return 'done';
  return outcome instanceof Error ? `${outcome.constructor.name} (${outcome.message})` : String(outcome);
}
