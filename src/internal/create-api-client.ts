// Builds one openapi-fetch client over our transport, in either calling style. Both public factories
// (Control Plane and agent) go through here, so they behave the same.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { operationFacts } from '../../generated/operations.js';
import type { AnyPaths, ResultClient, ThrowingClient } from '../client-types.js';
import { errorOf } from '../results.js';
import { type CallInit, CallRequest, createCallContext } from './call-context.js';
import { checkSuccessBodies } from './check-success-bodies.js';
import { normalizeErrorBodies } from './normalize-error-bodies.js';
import { DEFAULT_MAX_RETRIES } from './retry-policy.js';
import { createTransport, type TransportConfig } from './transport.js';

export interface ApiClientConfig extends Omit<TransportConfig, 'maxRetries'> {
  baseUrl: string;
  maxRetries?: number | undefined;
  headers?: Record<string, string> | undefined;
  throwOnError?: boolean | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Each client we made (either style), to the `{ data, error }` client behind it. */
const rawClients = new WeakMap<object, object>();

/** A client's methods as they are called here: by name, with a path and options. */
type MethodsByName = Record<
  (typeof METHODS)[number],
  (path: string, init?: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>
>;

/** The `{ data, error }` client behind any client we made, whichever style its caller chose. */
export function resultClientOf<Paths extends AnyPaths>(
  client: ResultClient<Paths> | ThrowingClient<Paths>,
): ResultClient<Paths> {
  const raw = rawClients.get(client);
  if (!raw) throw new TypeError('not a client created by hopx-api');
  return raw as ResultClient<Paths>;
}

export function createApiClient<Paths extends AnyPaths>(
  config: ApiClientConfig,
): ResultClient<Paths> | ThrowingClient<Paths> {
  const defaults = {
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries ?? DEFAULT_MAX_RETRIES,
    facts: operationFacts,
  };
  const raw = createClient<Paths>({
    baseUrl: config.baseUrl,
    fetch: createTransport({ ...config, maxRetries: defaults.maxRetries }),
    Request: CallRequest,
    headers: config.headers,
  }) as unknown as Client<Paths> & ResultClient<Paths>;
  // openapi-fetch runs response middleware last-registered first: errors are normalised before the
  // success check sees the response (both only look at responses).
  raw.use(checkSuccessBodies(config.secrets), normalizeErrorBodies(config.secrets));

  const call =
    (method: (typeof METHODS)[number]) =>
    (path: string, init: CallInit = {}) =>
      (raw as unknown as MethodsByName)[method](path, createCallContext(method, path, init, defaults).init);
  const result = {
    GET: call('GET'),
    POST: call('POST'),
    PUT: call('PUT'),
    PATCH: call('PATCH'),
    DELETE: call('DELETE'),
    use: (...m: Middleware[]) => raw.use(...m),
    eject: (...m: Middleware[]) => raw.eject(...m),
  } as ResultClient<Paths>;
  rawClients.set(result, result);
  if (!config.throwOnError) return result;

  const throwing = { use: result.use, eject: result.eject } as ThrowingClient<Paths>;
  for (const method of METHODS) {
    (throwing as unknown as Record<string, unknown>)[method] = async (path: string, init?: CallInit) => {
      const outcome = await (result as unknown as MethodsByName)[method](path, init);
      const error = errorOf(outcome, `${method} ${path}`);
      if (error) throw error;
      return outcome.data;
    };
  }
  rawClients.set(throwing, result);
  return throwing;
}
