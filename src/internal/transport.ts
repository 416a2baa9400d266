// The `fetch` that both clients hand to openapi-fetch. One place for what every call needs:
// credentials, a request id, timeouts, the caller's AbortSignal, retries with backoff, the token
// refresh on 401, typed errors for failures without a response, and redacted logging.
import { HopxAbortError, HopxConnectionError, HopxError, HopxRedirectError, HopxTimeoutError } from '../errors.js';
import { abortableSleep } from './abortable-sleep.js';
import { type BodyProgress, wireBody } from './outgoing-body.js';
import {
  DEFAULT_MAX_RETRIES,
  MAX_RETRY_AFTER_MS,
  backoffMs,
  errorCode,
  isRetryableStatus,
  provesNotActed,
  serverDelayMs,
  wasNeverSent,
} from './retry-policy.js';
import { redactHeaders, redactText } from './secrets.js';

export type LogEntry =
  | { type: 'request'; operation: string; url: string; attempt: number; headers: Record<string, string> }
  | { type: 'response'; operation: string; url: string; attempt: number; status: number; durationMs: number; headers: Record<string, string> }
  | { type: 'retry'; operation: string; attempt: number; reason: string; delayMs: number }
  | { type: 'error'; operation: string; attempt: number; error: HopxError };

export type LogHook = (entry: LogEntry) => void;

/** What the client factory knows about a call: set by its onRequest middleware. */
export interface CallInfo {
  /** `POST /v1/sandboxes`, with the spec's path template. */
  operation: string;
  /** Safe to send twice even if the server may have acted on the first one. */
  idempotent: boolean;
  /** Default timeout for this operation, when it differs from the client's. */
  timeoutMs?: number | undefined;
}

export interface TransportConfig {
  fetch: typeof fetch;
  maxRetries?: number | undefined;
  timeoutMs: number;
  /** Adds this API's credential to one attempt (the agent's may be refreshed first). */
  authorize(headers: Headers): Promise<void> | void;
  /** After a 401 to a request sent with `sent` headers: renew the credential. True when a second try can succeed. */
  reauthorize?: ((sent: Headers) => Promise<boolean>) | undefined;
  /** Where requests really go, when it is only known later (an agent created from a sandbox id). */
  resolveBaseUrl?: (() => Promise<string>) | undefined;
  placeholderBaseUrl?: string | undefined;
  /** Strings that must never appear in a log line or an error. */
  secrets(): readonly string[];
  log?: LogHook | undefined;
  random?: () => number;
}

const callInfo = new WeakMap<Request, CallInfo>();
export const setCallInfo = (request: Request, info: CallInfo) => callInfo.set(request, info);

/** Per-call options, passed next to `params`/`body` in any call (openapi-fetch copies them onto the Request). */
export interface CallOptions {
  /** Milliseconds to wait for the response and then between chunks of its body. */
  timeout?: number;
  /** Retries after the first try; 0 disables them. */
  maxRetries?: number;
}

/**
 * A Request that remembers the body it was made from, so a retry can send it again. openapi-fetch
 * builds every request with this class (its `Request` option).
 */
export class ReplayableRequest extends Request {
  readonly sourceBody: BodyInit | null | undefined;
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(input, init);
    this.sourceBody = init?.body;
  }
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Makes a fresh body for each attempt (a stream over a file, counting progress). Pass it as the
 * call option `bodyFactory`; openapi-fetch copies it onto the Request.
 */
export type BodyFactory = () => BodyInit;

/** How to make the body of each attempt, or `undefined` when it cannot be replayed (a one-shot stream). */
function replayableBody(request: Request): { make: () => BodyInit | null } | undefined {
  const factory = (request as Request & { bodyFactory?: unknown }).bodyFactory;
  if (typeof factory === 'function') return { make: factory as BodyFactory };
  if (request.body === null) return { make: () => null };
  if (!(request instanceof ReplayableRequest)) return undefined;
  const body = request.sourceBody;
  if (body === undefined || body === null) return { make: () => null };
  if (typeof body === 'string' || body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams
    || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    return { make: () => body };
  }
  return undefined;
}

export function createTransport(config: TransportConfig): typeof fetch {
  const random = config.random ?? Math.random;

  return async function transport(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const info: CallInfo = callInfo.get(original) ?? {
      operation: `${original.method} ${new URL(original.url).pathname}`,
      idempotent: IDEMPOTENT_METHODS.has(original.method),
    };
    const perCall = original as Request & CallOptions;
    const timeoutMs = positive(perCall.timeout) ?? info.timeoutMs ?? config.timeoutMs;
    const maxRetries = nonNegative(perCall.maxRetries) ?? config.maxRetries ?? DEFAULT_MAX_RETRIES;
    const replay = replayableBody(original);
    const callerSignal = original.signal;
    const requestId = original.headers.get('x-request-id') ?? crypto.randomUUID();
    const log = config.log;
    let retries = 0;
    let reauthorized = false;

    for (let attempt = 1; ; attempt++) {
      if (callerSignal.aborted) throw abortError(info, callerSignal);
      const url = await targetUrl(original.url, config);
      const headers = new Headers(original.headers);
      headers.set('X-Request-ID', requestId);
      await config.authorize(headers);
      const source = replay ? replay.make() : attempt === 1 ? original.body : null;
      const timer = new IdleTimer(timeoutMs);
      const outgoing = wireBody(source, headers, timer.bodyProgress());
      // Cancelling a body does not close undici's connection; aborting the request does.
      const cancelled = new AbortController();
      const signal = AbortSignal.any([callerSignal, timer.signal, cancelled.signal]);
      const request = new Request(url, {
        method: original.method,
        headers,
        body: outgoing.body,
        signal,
        // Redirects are answered, never followed (see HopxRedirectError). 'manual' shows where the
        // server pointed, but makes fetch keep a copy of the body for a second request: a streamed
        // (large) body is sent with 'error' instead, and the address is asked for separately.
        redirect: outgoing.streamed ? 'error' : 'manual',
        ...(outgoing.streamed ? { duplex: 'half' } : {}),
      } as RequestInit);

      log?.({ type: 'request', operation: info.operation, url: redactText(url, config.secrets()), attempt, headers: redactHeaders(headers) });
      const started = Date.now();
      let response: Response;
      try {
        response = await config.fetch(request);
        timer.headArrived();
      } catch (cause) {
        timer.stop();
        if (callerSignal.aborted) throw abortError(info, callerSignal);
        if (wasRedirected(cause)) {
          const target = await whereRedirected(url, headers, config, callerSignal);
          const error = redirectError(info, requestId, target.status, target.location, config);
          log?.({ type: 'error', operation: info.operation, attempt, error });
          throw error;
        }
        const error = timer.fired
          ? new HopxTimeoutError(timer.describe(info.operation), { operation: info.operation, requestId, cause })
          : new HopxConnectionError(`${info.operation} failed: ${describeCause(cause, config.secrets())}`, { operation: info.operation, requestId, cause: sanitizedCause(cause) });
        const mayRetry = retries < maxRetries && replay && (info.idempotent || wasNeverSent(cause));
        log?.({ type: 'error', operation: info.operation, attempt, error });
        if (!mayRetry) throw error;
        const delayMs = backoffMs(++retries, random());
        log?.({ type: 'retry', operation: info.operation, attempt, reason: error.message, delayMs });
        await abortableSleep(delayMs, callerSignal, info.operation, info.operation);
        continue;
      }
      log?.({ type: 'response', operation: info.operation, url: redactText(url, config.secrets()), attempt, status: response.status, durationMs: Date.now() - started, headers: redactHeaders(response.headers) });

      if (isRedirect(response)) {
        timer.stop();
        await discard(response);
        const error = redirectError(info, requestId, response.status || undefined, response.headers.get('location') ?? undefined, config);
        log?.({ type: 'error', operation: info.operation, attempt, error });
        throw error;
      }

      if (response.status === 401 && config.reauthorize && !reauthorized) {
        reauthorized = true;
        const renewed = await config.reauthorize(headers);
        if (renewed && replay) {
          timer.stop();
          await discard(response);
          log?.({ type: 'retry', operation: info.operation, attempt, reason: 'credential renewed after 401', delayMs: 0 });
          continue;
        }
      }

      if (isRetryableStatus(response.status) && retries < maxRetries && replay && (info.idempotent || provesNotActed(response.status))) {
        const asked = serverDelayMs(response.headers, Date.now());
        if (asked === undefined || asked <= MAX_RETRY_AFTER_MS) {
          timer.stop();
          await discard(response);
          const delayMs = asked ?? backoffMs(retries + 1, random());
          retries++;
          log?.({ type: 'retry', operation: info.operation, attempt, reason: `HTTP ${response.status}`, delayMs });
          await abortableSleep(delayMs, callerSignal, info.operation, info.operation);
          continue;
        }
      }
      return guardBody(response, timer, cancelled, callerSignal, info, requestId, config);
    }
  };
}

async function targetUrl(url: string, config: TransportConfig): Promise<string> {
  if (!config.resolveBaseUrl || !config.placeholderBaseUrl || !url.startsWith(config.placeholderBaseUrl)) return url;
  const base = (await config.resolveBaseUrl()).replace(/\/+$/, '');
  return base + url.slice(config.placeholderBaseUrl.length);
}

/**
 * Re-wraps the body so that the timeout also covers each pause between chunks (a stalled body fails
 * instead of hanging, a slow but moving download does not), and a connection lost mid-body becomes a
 * typed error instead of a bare TypeError.
 */
function guardBody(response: Response, timer: IdleTimer, cancelled: AbortController, callerSignal: AbortSignal, info: CallInfo, requestId: string, config: TransportConfig): Response {
  if (!response.body) {
    timer.stop();
    return response;
  }
  const reader = response.body.getReader();
  const failure = (cause: unknown): HopxError => {
    if (callerSignal.aborted) return abortError(info, callerSignal);
    if (timer.fired) return new HopxTimeoutError(`${info.operation}: no data for ${timer.ms} ms while reading the response`, { operation: info.operation, requestId, status: response.status, cause });
    return new HopxConnectionError(`${info.operation}: connection lost while reading the response (${describeCause(cause, config.secrets())})`, { operation: info.operation, requestId, status: response.status, cause: sanitizedCause(cause) });
  };
  // The clock runs only while someone waits for data: time the caller spends on what it already
  // has is not the server's silence.
  timer.stop();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        timer.restart();
        const { done, value } = await reader.read();
        timer.stop();
        if (done) {
          controller.close();
          return;
        }
        controller.enqueue(value);
      } catch (cause) {
        timer.stop();
        controller.error(failure(cause));
      }
    },
    cancel(reason) {
      timer.stop();
      cancelled.abort(reason);
      return reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(wrapped, 'url', { value: response.url });
  return wrapped;
}

/**
 * A timeout that restarts on every sign of life (a chunk of the request body taken, the response
 * head, a chunk of the response body), and aborts its signal when it runs out.
 */
class IdleTimer {
  private readonly controller = new AbortController();
  private handle: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  /** Once the response head is here, a body still being sent is no longer a sign of life. */
  private answered = false;
  fired = false;
  constructor(readonly ms: number) { this.restart(); }
  get signal() { return this.controller.signal; }
  restart() {
    this.stop();
    this.handle = setTimeout(() => { this.fired = true; this.controller.abort(); }, this.ms);
  }
  stop() {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }
  bodyProgress(): BodyProgress {
    return {
      readingSource: () => {
        if (!this.answered) this.stop();
      },
      handedOver: () => {
        if (this.answered) return;
        this.sending = true;
        this.restart();
      },
      finished: () => {
        if (this.answered) return;
        this.sending = false;
        this.restart();
      },
    };
  }
  /** The response head arrived: from now on only reading the response restarts the clock. */
  headArrived() {
    this.answered = true;
    this.stop();
  }
  /** The message of the timeout error for a request that got no response head. */
  describe(operation: string): string {
    return this.sending ? `${operation}: no progress for ${this.ms} ms while sending the request body` : `${operation} timed out after ${this.ms} ms`;
  }
}

function isRedirect(response: Response): boolean {
  // A browser hides a redirect answered with redirect: 'manual' behind an opaque response (status 0).
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400 && response.status !== 304);
}

/** fetch with `redirect: 'error'` fails with a bare TypeError whose cause says so. */
function wasRedirected(cause: unknown): boolean {
  return cause instanceof Error && cause.cause instanceof Error && cause.cause.message === 'unexpected redirect';
}

/**
 * Where a redirect of a request with a streamed body pointed: fetch could only have told us by
 * keeping the whole body in memory, so ask again with HEAD (safe: the server acts on nothing).
 */
async function whereRedirected(url: string, sent: Headers, config: TransportConfig, callerSignal: AbortSignal): Promise<{ status?: number; location?: string }> {
  const headers = new Headers(sent);
  for (const name of ['content-type', 'content-length', 'transfer-encoding']) headers.delete(name);
  try {
    const response = await config.fetch(new Request(url, { method: 'HEAD', headers, redirect: 'manual', signal: AbortSignal.any([callerSignal, AbortSignal.timeout(5_000)]) }));
    await discard(response);
    return isRedirect(response) ? { status: response.status || undefined, location: response.headers.get('location') ?? undefined } : {};
  } catch {
    return {};
  }
}

function redirectError(info: CallInfo, requestId: string, status: number | undefined, location: string | undefined, config: TransportConfig): HopxRedirectError {
  const safeLocation = location === undefined ? undefined : redactText(location, config.secrets());
  const where = safeLocation ? ` to ${safeLocation}` : ' (the address it pointed to is not known)';
  return new HopxRedirectError(
    `${info.operation}: the server answered with a redirect${status ? ` (${status})` : ''}${where}; redirects are not followed, point the client's baseUrl at the final address`,
    { operation: info.operation, requestId, status, location: safeLocation },
  );
}

function abortError(info: CallInfo, signal: AbortSignal): HopxAbortError {
  return new HopxAbortError(`${info.operation} was aborted`, { operation: info.operation, cause: signal.reason });
}

/** Reads and drops a body we are not going to use, so the connection can be reused. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The connection is going away anyway; nothing to report for a body nobody will read.
  }
}

function describeCause(cause: unknown, secrets: readonly string[]): string {
  const code = errorCode(cause);
  const message = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return redactText(code && !message.includes(code) ? `${code} ${message}` : message, secrets);
}

/** The underlying error without anything that could hold request headers (undici keeps none, proxies might). */
function sanitizedCause(cause: unknown): Error {
  const code = errorCode(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  const error = new Error(inner instanceof Error ? inner.message : String(inner));
  if (code) (error as Error & { code?: string }).code = code;
  return error;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
