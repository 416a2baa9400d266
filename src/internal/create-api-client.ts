// Builds one openapi-fetch client over our transport, in either calling style. Both public factories
// (Control Plane and agent) go through here, so they behave the same.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { ResultClient, ThrowingClient } from '../client-types.js';
import { type HopxApiError, type HopxError, HopxResponseFormatError, apiErrorFrom } from '../errors.js';
import { serializeBody } from './body-serializer.js';
import { normalizeErrorBody } from './error-body.js';
import { responseChecks } from './response-checks.js';
import { serverDelayMs } from './retry-policy.js';
import { type CallInfo, ReplayableRequest, type TransportConfig, createTransport } from './transport.js';

export interface ApiClientConfig extends TransportConfig {
  baseUrl: string;
  headers?: Record<string, string> | undefined;
  throwOnError?: boolean | undefined;
  callInfo(method: string, schemaPath: string, request: Request): Omit<CallInfo, 'operation'>;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const rawClients = new WeakMap<object, ResultClient<any>>();

/** The `{ data, error }` client behind any client we made, whichever style its caller chose. */
export function resultClientOf<Paths extends Record<string, any>>(client: ResultClient<Paths> | ThrowingClient<Paths>): ResultClient<Paths> {
  const raw = rawClients.get(client);
  if (!raw) throw new TypeError('not a client created by hopx-api');
  return raw;
}

export function createApiClient<Paths extends Record<string, any>>(config: ApiClientConfig): ResultClient<Paths> | ThrowingClient<Paths> {
  const raw = createClient<Paths>({
    baseUrl: config.baseUrl,
    fetch: createTransport(config),
    Request: ReplayableRequest,
    headers: config.headers,
    bodySerializer: serializeBody,
  }) as unknown as Client<Paths> & ResultClient<Paths>;
  raw.use(responseChecks({ callInfo: config.callInfo, secrets: config.secrets }));

  // The Request that openapi-fetch builds listens on the caller's signal until it is garbage
  // collected; handing it a signal derived per call keeps a long-lived signal free of listeners.
  const call = (method: (typeof METHODS)[number]) => (url: string, init?: { signal?: AbortSignal | null }) =>
    (raw as any)[method](url, init?.signal ? { ...init, signal: AbortSignal.any([init.signal]) } : init);
  const result = {
    GET: call('GET'), POST: call('POST'), PUT: call('PUT'), PATCH: call('PATCH'), DELETE: call('DELETE'),
    use: (...m: Middleware[]) => raw.use(...m),
    eject: (...m: Middleware[]) => raw.eject(...m),
  } as ResultClient<Paths>;
  rawClients.set(result, result);
  if (!config.throwOnError) return result;

  const throwing = { use: result.use, eject: result.eject } as ThrowingClient<Paths>;
  for (const method of METHODS) {
    (throwing as any)[method] = async (url: string, init?: unknown) => {
      const outcome = await (result as any)[method](url, init);
      const error = errorOf(outcome, `${method} ${url}`);
      if (error) throw error;
      return outcome.data;
    };
  }
  rawClients.set(throwing, result);
  return throwing;
}

/** For `{ data, error }` callers who want the typed error class of a failed result. */
export function errorOf(result: { error?: unknown; response: Response }, operation?: string): HopxApiError | undefined {
  if (result.error === undefined && result.response.ok) return undefined;
  const delayMs = serverDelayMs(result.response.headers, Date.now());
  return apiErrorFrom({
    status: result.response.status,
    body: (result.error as any) ?? normalizeErrorBody('', result.response.status, result.response.statusText),
    operation,
    requestId: result.response.headers.get('x-request-id') ?? undefined,
    retryAfter: delayMs === undefined ? undefined : Math.ceil(delayMs / 1000),
  });
}

/**
 * The error to throw for a call whose result cannot be used: the typed API error for an error
 * status, or HopxResponseFormatError for a success without the body the operation promises (a
 * `204 No Content` where data was expected). Always an error, so `throw callError(...)` never
 * throws `undefined`.
 */
export function callError(result: { error?: unknown; response: Response }, operation: string): HopxError {
  const error = errorOf(result, operation);
  if (error) return error;
  const { status } = result.response;
  return new HopxResponseFormatError(`${operation}: the ${status} response has no body, where the operation promises one`, {
    status,
    operation,
    requestId: result.response.headers.get('x-request-id') ?? undefined,
  });
}
