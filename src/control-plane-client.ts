// The Control Plane client: sandbox lifecycle, templates and builds on https://api.hopx.dev.
import type { ControlPlanePaths } from './api-paths.js';
import type { CommonClientOptions, ResultClient, ThrowingClient } from './client-types.js';
import { resolveApiKey } from './internal/api-key.js';
import { createApiClient } from './internal/create-api-client.js';

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

/** POSTs that do the same thing when sent twice, so a retry after a lost response is safe. */
const IDEMPOTENT_POSTS = new Set([
  '/v1/sandboxes/{id}/pause',
  '/v1/sandboxes/{id}/resume',
  '/v1/sandboxes/{id}/start',
  '/v1/sandboxes/{id}/stop',
  '/v1/sandboxes/{id}/token/refresh',
  '/v1/templates/files/upload-link',
]);

/** Creating a sandbox can take minutes; the official SDK waits 300 s. */
const CREATE_SANDBOX_TIMEOUT_MS = 300_000;
const DEFAULT_TIMEOUT_MS = 60_000;

export function createControlPlaneClient(options?: ControlPlaneClientOptions & { throwOnError?: false }): ControlPlaneClient;
export function createControlPlaneClient(options: ControlPlaneClientOptions & { throwOnError: true }): ThrowingControlPlaneClient;
export function createControlPlaneClient(options?: ControlPlaneClientOptions): ControlPlaneClient | ThrowingControlPlaneClient;
export function createControlPlaneClient(options: ControlPlaneClientOptions = {}): ControlPlaneClient | ThrowingControlPlaneClient {
  const apiKey = resolveApiKey(options.apiKey);
  const useBearer = options.authHeader === 'Authorization';
  return createApiClient<ControlPlanePaths>({
    baseUrl: (options.baseUrl ?? DEFAULT_CONTROL_PLANE_URL).replace(/\/+$/, ''),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
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
    callInfo(method, schemaPath) {
      const creates = method === 'POST' && schemaPath === '/v1/sandboxes';
      return {
        idempotent: method !== 'POST' && method !== 'PATCH' ? true : IDEMPOTENT_POSTS.has(schemaPath),
        timeoutMs: creates ? CREATE_SANDBOX_TIMEOUT_MS : undefined,
      };
    },
  });
}
