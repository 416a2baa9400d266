// The `fetch` that both clients hand to openapi-fetch: the one place every request goes through.
// It reads the call's context (call-context.ts) and makes the attempts: credentials, a request id,
// the idle timeout, the caller's AbortSignal, retries with backoff, one token renewal after a 401,
// typed errors for everything that is not a response, and redacted logging.
import type { LogHook } from '../client-types.js';
import { abortedError, HopxConnectionError, HopxRedirectError, HopxTimeoutError } from '../errors.js';
import { abortableSleep } from './abortable-sleep.js';
import { type CallContext, contextOf } from './call-context.js';
import {
  BodyReadFailure,
  currentDispatcher,
  type DirectRequest,
  directBody,
  dispatchWhole,
} from './direct-dispatch.js';
import { followSignal } from './follow-signal.js';
import { IdleTimer } from './idle-timer.js';
import { bodyFailure, readWholeBody, type WatchedCall, watchBody } from './incoming-body.js';
import { describeCause, sanitizedCause } from './network-failure.js';
import { wireBody } from './outgoing-body.js';
import { type AttemptOutcome, retryCannotHelp, retryDelayMs } from './retry-policy.js';
import { redactHeaders, redactText } from './secrets.js';
import { settleOnAbort } from './unheard-abort.js';

export interface TransportConfig {
  fetch: typeof fetch;
  /** `fetch` is Node's own: a call read whole may go straight to its dispatcher (direct-dispatch.ts). */
  direct?: boolean | undefined;
  /** The client's defaults, for a request that carries no call context. */
  timeoutMs: number;
  maxRetries: number;
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
  /** For tests: the jitter's random source, the clock, and the wait between attempts. */
  random?: () => number;
  now?: () => number;
  sleep?: typeof abortableSleep;
}

export function createTransport(config: TransportConfig): typeof fetch {
  const random = config.random ?? Math.random;
  const now = config.now ?? Date.now;
  const sleep = config.sleep ?? abortableSleep;
  const log = config.log;

  return async function transport(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const context = contextOf(original, config);
    const { operation, signal: callerSignal } = context;
    const requestId = original.headers.get('x-request-id') ?? crypto.randomUUID();
    let retries = 0;
    let reauthorized = false;

    const waitThenRetry = async (attempt: number, reason: string, delayMs: number) => {
      retries++;
      log?.({ type: 'retry', operation, attempt, reason, delayMs });
      await sleep(delayMs, callerSignal, operation, operation);
    };

    for (let attempt = 1; ; attempt++) {
      if (callerSignal?.aborted) throw abortedError(operation, callerSignal, operation);
      const url = await targetUrl(original.url, config);
      const headers = new Headers(original.headers);
      headers.set('X-Request-ID', requestId);
      await config.authorize(headers);
      // One controller ends the attempt: the idle timer, the caller's signal (followed only while
      // the attempt lasts) and the transport itself abort it.
      const connection = new AbortController();
      const timer = new IdleTimer(context.timeoutMs, connection);
      const release = followSignal(callerSignal, connection);
      const outgoing = wireBody(bodyOfAttempt(context, original, attempt), headers, timer.bodyProgress());
      // fetch(url, init), not fetch(new Request(...)): one Request fewer per attempt, and undici
      // keeps the signal of its own request alive for as long as the body is being read.
      const init = {
        method: original.method,
        headers,
        body: outgoing.body,
        signal: connection.signal,
        // Redirects are answered, never followed (see HopxRedirectError). 'manual' shows where the
        // server pointed, but makes fetch keep a copy of the body for a second request: a streamed
        // (large) body is sent with 'error' instead, and the address is asked for separately.
        redirect: outgoing.streamed ? 'error' : 'manual',
        ...(outgoing.streamed ? { duplex: 'half' } : {}),
      } as RequestInit;
      const call = { context, requestId, timer, connection, secrets: config.secrets, release };
      const dispatcher =
        config.direct && context.reads !== 'other' && !outgoing.streamed && directBody(outgoing.body)
          ? currentDispatcher()
          : undefined;

      log?.({
        type: 'request',
        operation,
        url: redactText(url, config.secrets()),
        attempt,
        headers: redactHeaders(headers),
      });
      const started = now();
      let response: Response;
      /** The head came but the body was cut: what to report if the call ends with this response. */
      let bodyLost: BodyReadFailure | undefined;
      try {
        response = dispatcher
          ? await dispatchWhole(
              dispatcher,
              url,
              // directBody() let only these through.
              {
                method: original.method,
                headers,
                body: outgoing.body as DirectRequest['body'],
                signal: connection.signal,
              },
              timer,
            )
          : // The attempt ends on its signal even when a fetch wrapper lost it (unheard-abort.ts).
            await settleOnAbort(config.fetch(url, init), connection.signal, discard);
        timer.headArrived();
      } catch (cause) {
        timer.stop();
        release();
        if (callerSignal?.aborted) throw abortedError(operation, callerSignal, operation);
        if (!(cause instanceof BodyReadFailure)) {
          if (wasRedirected(cause)) {
            const target = await whereRedirected(url, headers, config, callerSignal);
            throw logged(redirectError(context, requestId, target.status, target.location, config), attempt);
          }
          const error = timer.fired
            ? new HopxTimeoutError(timer.describe(operation), { operation, requestId, cause })
            : new HopxConnectionError(`${operation} failed: ${describeCause(cause, config.secrets())}`, {
                operation,
                requestId,
                cause: sanitizedCause(cause, config.secrets()),
              });
          logged(error, attempt);
          const delayMs = retryDelayMs({ kind: 'no-response', cause }, budget(), now(), random());
          if (delayMs === undefined) throw error;
          await waitThenRetry(attempt, error.message, delayMs);
          continue;
        }
        // The head came, the body was cut. As on the fetch path, a status worth retrying is
        // retried; a call that ends with this response reports the lost body.
        bodyLost = cause;
        response = cause.headOnly();
      }
      log?.({
        type: 'response',
        operation,
        url: redactText(url, config.secrets()),
        attempt,
        status: response.status,
        durationMs: now() - started,
        headers: redactHeaders(response.headers),
      });

      if (isRedirect(response)) {
        release();
        discard(response);
        throw logged(
          redirectError(
            context,
            requestId,
            response.status || undefined,
            response.headers.get('location') ?? undefined,
            config,
          ),
          attempt,
        );
      }

      if (response.status === 401 && config.reauthorize && !reauthorized) {
        reauthorized = true;
        // Renewed even when this body cannot be sent again: the next call needs the fresh token.
        if ((await config.reauthorize(headers)) && context.body) {
          release();
          discard(response);
          log?.({ type: 'retry', operation, attempt, reason: 'credential renewed after 401', delayMs: 0 });
          continue;
        }
      }

      const outcome: AttemptOutcome = { kind: 'response', status: response.status, headers: response.headers };
      const delayMs = retryDelayMs(outcome, budget(), now(), random());
      if (delayMs !== undefined) {
        // The error's own code can say that trying again cannot help (a sandbox without a desktop).
        const read = await readSmallErrorBody(response);
        if (read.text !== undefined && retryCannotHelp(errorCodeOf(read.text)))
          return deliver(read.response, call, dispatcher !== undefined, bodyLost);
        release();
        discard(read.response);
        await waitThenRetry(attempt, `HTTP ${response.status}`, delayMs);
        continue;
      }
      return deliver(response, call, dispatcher !== undefined, bodyLost);
    }

    function budget() {
      return {
        retries,
        maxRetries: context.maxRetries,
        idempotent: context.idempotent,
        replayable: context.body !== undefined,
      };
    }

    function logged<E extends HopxConnectionError | HopxRedirectError>(error: E, attempt: number): E {
      log?.({ type: 'error', operation, attempt, error });
      return error;
    }
  };
}

/**
 * The response as the caller will read it. A body the caller reads whole (JSON, text, and every
 * error) is read here, under the idle timer; one read as it comes (a stream, a download, bytes)
 * is handed over watched by the timer as it is read.
 */
async function deliver(
  response: Response,
  call: WatchedCall,
  readAlready: boolean,
  bodyLost: BodyReadFailure | undefined,
): Promise<Response> {
  if (bodyLost) throw bodyFailure(bodyLost.cause, bodyLost, call);
  if (readAlready || !response.body) {
    call.timer.stop();
    call.release();
    return response;
  }
  const { reads } = call.context;
  // A JSON call answered with something else (an HTML page) is refused unread by check-success-bodies.
  const whole =
    !response.ok ||
    reads === 'text' ||
    (reads === 'json' && /[/+]json\b/i.test(response.headers.get('content-type') ?? ''));
  return whole ? readWholeBody(response, call) : watchBody(response, call);
}

/** The first attempt may send a one-shot body (a stream); later ones only a body that can be made again. */
function bodyOfAttempt(context: CallContext, original: Request, attempt: number): BodyInit | null {
  if (context.body) return context.body();
  return attempt === 1 ? original.body : null;
}

async function targetUrl(url: string, config: TransportConfig): Promise<string> {
  if (!config.resolveBaseUrl || !config.placeholderBaseUrl || !url.startsWith(config.placeholderBaseUrl)) return url;
  const base = (await config.resolveBaseUrl()).replace(/\/+$/, '');
  return base + url.slice(config.placeholderBaseUrl.length);
}

/**
 * Drops a body we are not going to use. Not awaited: cancelling settles only once every reader of
 * the stream let go (a fetch of the caller's may hand out a tee), and nothing here depends on it.
 */
function discard(response: Response): void {
  // A failure to cancel means the connection is going away anyway: nothing to report.
  response.body?.cancel().catch(() => {});
}

function isRedirect(response: Response): boolean {
  // A browser hides a redirect answered with redirect: 'manual' behind an opaque response (status 0).
  return (
    response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400 && response.status !== 304)
  );
}

/** fetch with `redirect: 'error'` fails with a bare TypeError whose cause says so. */
function wasRedirected(cause: unknown): boolean {
  return cause instanceof Error && cause.cause instanceof Error && cause.cause.message === 'unexpected redirect';
}

/**
 * Where a redirect of a request with a streamed body pointed: fetch could only have told us by
 * keeping the whole body in memory, so ask again with HEAD (safe: the server acts on nothing).
 */
async function whereRedirected(
  url: string,
  sent: Headers,
  config: TransportConfig,
  callerSignal: AbortSignal | undefined,
): Promise<{ status?: number; location?: string }> {
  const headers = new Headers(sent);
  for (const name of ['content-type', 'content-length', 'transfer-encoding']) headers.delete(name);
  const signal = AbortSignal.any([...(callerSignal ? [callerSignal] : []), AbortSignal.timeout(5_000)]);
  try {
    const response = await settleOnAbort(
      config.fetch(new Request(url, { method: 'HEAD', headers, redirect: 'manual', signal })),
      signal,
      discard,
    );
    discard(response);
    return isRedirect(response)
      ? { status: response.status || undefined, location: response.headers.get('location') ?? undefined }
      : {};
  } catch {
    return {};
  }
}

function redirectError(
  context: CallContext,
  requestId: string,
  status: number | undefined,
  location: string | undefined,
  config: TransportConfig,
): HopxRedirectError {
  const safeLocation = location === undefined ? undefined : redactText(location, config.secrets());
  const where = safeLocation ? ` to ${safeLocation}` : ' (the address it pointed to is not known)';
  return new HopxRedirectError(
    `${context.operation}: the server answered with a redirect${status ? ` (${status})` : ''}${where}; ` +
      "redirects are not followed, point the client's baseUrl at the final address",
    { operation: context.operation, requestId, status, location: safeLocation },
  );
}

/** Error bodies larger than this are not read to look for their code (the retry goes ahead). */
const ERROR_BODY_PEEK_BYTES = 64 * 1024;

/**
 * Reads a small JSON error body so its code can be looked at; the response handed back carries the
 * same bytes. Anything else is left unread (`text` undefined).
 */
async function readSmallErrorBody(response: Response): Promise<{ response: Response; text: string | undefined }> {
  const type = response.headers.get('content-type') ?? '';
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!/[/+]json\b/i.test(type) || !(length <= ERROR_BODY_PEEK_BYTES) || !response.body)
    return { response, text: undefined };
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { response: new Response(null, response), text: undefined };
  }
  return {
    response: new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }),
    text,
  };
}

function errorCodeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown; error?: { code?: unknown } };
    const code = body.code ?? (typeof body.error === 'object' ? body.error?.code : undefined);
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
