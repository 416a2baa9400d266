// Everything the transport needs to know about one call, made in one place (createCallContext, when
// a client method is called) and read in one place (the transport). It travels from one to the
// other on the Request that openapi-fetch builds: openapi-fetch constructs every request with our
// CallRequest class and hands it the call's options, the context among them.
import type { OperationFacts } from '../../generated/operations.js';
import type { CallOptions } from '../client-types.js';
import { serializeBody } from './body-serializer.js';

export interface CallContext {
  /** `POST /v1/sandboxes`: method and the spec's path template. */
  operation: string;
  /** Safe to send twice even if the server may have acted on the first one (from the spec's `x-idempotent`). */
  idempotent: boolean;
  /** Milliseconds to wait for progress: the call's own, else the operation's (`x-timeout`), else the client's. */
  timeoutMs: number;
  /** Retries after the first try. */
  maxRetries: number;
  /** Makes the body of each attempt; undefined when the body cannot be sent twice (a one-shot stream). */
  body: (() => BodyInit | null) | undefined;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
  /** How the caller reads the body (`parseAs`): JSON and text are read whole by the transport. */
  reads: 'json' | 'text' | 'other';
}

/** What the client knows before any call: its defaults and the spec's facts about each operation. */
export interface ClientDefaults {
  timeoutMs: number;
  maxRetries: number;
  facts: Readonly<Record<string, OperationFacts>>;
}

/** The call options a method receives, as far as the context is concerned. */
export interface CallInit extends CallOptions {
  body?: unknown;
  bodySerializer?(body: unknown, headers?: Headers): unknown;
  headers?: HeadersInit;
  signal?: AbortSignal | null;
  /** How openapi-fetch will read the body (default json). */
  parseAs?: string;
  /** Package-internal: a body made afresh for each attempt (an upload reporting its progress). */
  [BODY_FACTORY]?: () => BodyInit;
}

/** Key of the package-internal per-call body factory (a symbol, so it is not part of the typed options). */
export const BODY_FACTORY = Symbol('hopx.bodyFactory');
const CONTEXT = Symbol('hopx.callContext');

/** A client's timeout unless it sets one. */
export const DEFAULT_TIMEOUT_MS = 60_000;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * The context of one call to `method path` (path as the spec writes it), and the options to hand to
 * openapi-fetch: the body is serialised here, once, so that a retry can send the same bytes again.
 */
export function createCallContext(
  method: string,
  path: string,
  init: CallInit,
  defaults: ClientDefaults,
): { context: CallContext; init: object } {
  const operation = `${method} ${path}`;
  const facts = defaults.facts[operation];
  const serialized =
    init.body === undefined
      ? undefined
      : ((init.bodySerializer ?? serializeBody)(init.body, new Headers(init.headers)) as BodyInit);
  const factory = init[BODY_FACTORY];
  const context: CallContext = {
    operation,
    idempotent: facts?.idempotent ?? IDEMPOTENT_METHODS.has(method),
    timeoutMs: positive(init.timeout) ?? operationTimeoutMs(facts, init.body) ?? defaults.timeoutMs,
    maxRetries: nonNegativeInteger(init.maxRetries) ?? defaults.maxRetries,
    body: factory ?? replayable(serialized),
    signal: init.signal ?? undefined,
    reads: init.parseAs === undefined || init.parseAs === 'json' ? 'json' : init.parseAs === 'text' ? 'text' : 'other',
  };
  return {
    context,
    init: {
      ...init,
      // The transport follows the caller's signal itself, only while an attempt lasts; a Request
      // given the signal would listen on it until garbage collection took the Request.
      signal: undefined,
      ...(serialized === undefined ? {} : { bodySerializer: () => serialized }),
      [CONTEXT]: context,
    },
  };
}

/** The Request class openapi-fetch builds every request with: it keeps the call's context. */
export class CallRequest extends Request {
  readonly context: CallContext | undefined;
  constructor(input: RequestInfo | URL, init?: RequestInit & { [CONTEXT]?: CallContext }) {
    super(input, init);
    this.context = init?.[CONTEXT];
  }
}

/** The context of a request that did not come from a client method (a middleware replaced it). */
export function contextOf(request: Request, defaults: Omit<ClientDefaults, 'facts'>): CallContext {
  if (request instanceof CallRequest && request.context) return request.context;
  return {
    operation: `${request.method} ${new URL(request.url).pathname}`,
    idempotent: IDEMPOTENT_METHODS.has(request.method),
    timeoutMs: defaults.timeoutMs,
    maxRetries: defaults.maxRetries,
    // Its body can be read once, by the first attempt.
    body: request.body === null ? () => null : undefined,
    signal: request.signal,
    reads: 'other',
  };
}

/** How to make the body again for a retry, when that is possible without keeping a stream. */
function replayable(body: BodyInit | undefined): (() => BodyInit | null) | undefined {
  if (body === undefined || body === null) return () => null;
  if (
    typeof body === 'string' ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  ) {
    return () => body;
  }
  return undefined;
}

/**
 * The operation's own wait (`x-timeout`): a fixed one, or a run's own timeout (seconds, read from
 * the request body) plus a margin for the agent to answer, never less than the default.
 */
function operationTimeoutMs(facts: OperationFacts | undefined, body: unknown): number | undefined {
  const timeout = facts?.timeout;
  if (!timeout) return undefined;
  if ('seconds' in timeout) return timeout.seconds * 1000;
  const seconds = (body as Record<string, unknown> | null | undefined)?.[timeout.fromBody];
  if (typeof seconds !== 'number' || !(seconds > 0)) return undefined;
  return Math.max(DEFAULT_TIMEOUT_MS, (seconds + timeout.margin) * 1000);
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
