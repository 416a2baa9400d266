// The Control Plane client: sandbox lifecycle, templates and builds on https://api.hopx.dev.
// How long each operation waits and whether it may be retried come from the spec (x-timeout,
// x-idempotent), through generated/operations.ts.
import type { ControlPlanePaths } from './api-paths.js';
import type { CommonClientOptions, ResultClient, ThrowingClient } from './client-types.js';
import { resolveApiKey } from './internal/api-key.js';
import { DEFAULT_TIMEOUT_MS } from './internal/call-context.js';
import { createApiClient } from './internal/create-api-client.js';
import { isNodesOwnFetch } from './internal/direct-dispatch.js';

export const DEFAULT_CONTROL_PLANE_URL = 'https://api.hopx.dev';

export interface ControlPlaneClientOptions extends CommonClientOptions {
  /** `hopx_live_<id>.<secret>`; defaults to the HOPX_API_KEY environment variable. */
  apiKey?: string;
  /** Default `https://api.hopx.dev`. */
  baseUrl?: string;
  /** How to send the key: `X-API-Key` (default) or `Authorization: Bearer`. The API accepts both. */
  authHeader?: 'X-API-Key' | 'Authorization';
}

export type ControlPlaneClient = ResultClient<ControlPlanePaths>;
export type ThrowingControlPlaneClient = ThrowingClient<ControlPlanePaths>;

export function createControlPlaneClient(
  options?: ControlPlaneClientOptions & { throwOnError?: false },
): ControlPlaneClient;
export function createControlPlaneClient(
  options: ControlPlaneClientOptions & { throwOnError: true },
): ThrowingControlPlaneClient;
export function createControlPlaneClient(
  options?: ControlPlaneClientOptions,
): ControlPlaneClient | ThrowingControlPlaneClient;
export function createControlPlaneClient(
  options: ControlPlaneClientOptions = {},
): ControlPlaneClient | ThrowingControlPlaneClient {
  const apiKey = resolveApiKey(options.apiKey);
  const useBearer = options.authHeader === 'Authorization';
  return createApiClient<ControlPlanePaths>({
    baseUrl: (options.baseUrl ?? DEFAULT_CONTROL_PLANE_URL).replace(/\/+$/, ''),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    direct: options.fetch === undefined && isNodesOwnFetch(globalThis.fetch),
    timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries,
    log: options.log,
    headers: options.headers,
    throwOnError: options.throwOnError,
    secrets: () => [apiKey],
    authorize(headers) {
      if (useBearer) headers.set('Authorization', `Bearer ${apiKey}`);
      else headers.set('X-API-Key', apiKey);
    },
  });
}
