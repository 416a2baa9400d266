// The VM Agent client for one sandbox: code, commands, files, env, processes, metrics, desktop.
// It talks to the sandbox's own host (`public_host`) with the sandbox token, which it renews through
// the Control Plane client. The API key itself never reaches an agent host.
import type { components } from '../generated/schema.js';
import type { AgentPaths } from './api-paths.js';
import type { CommonClientOptions, ResultClient, ThrowingClient } from './client-types.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from './control-plane-client.js';
import { HopxConfigError } from './errors.js';
import { registerAgentConnection } from './internal/agent-connection.js';
import { DEFAULT_TIMEOUT_MS } from './internal/call-context.js';
import { createApiClient, resultClientOf } from './internal/create-api-client.js';
import { isNodesOwnFetch } from './internal/direct-dispatch.js';
import { grantFrom, SandboxToken, type TokenGrant } from './internal/sandbox-token.js';
import { dataOf } from './results.js';

type Sandbox = components['schemas']['Sandbox'];

/**
 * A sandbox as returned by create, get or list. The spec cannot promise `id` (the official JS SDK
 * falls back to another field when it is missing), so its presence is checked when the client is made.
 */
export type SandboxRef = Partial<
  Pick<Sandbox, 'id' | 'public_host' | 'direct_url' | 'auth_token' | 'token_expires_at'>
>;

export interface AgentClientOptions extends CommonClientOptions {
  /** The sandbox object (host from `public_host`, token from `auth_token`) or just its id. */
  sandbox: SandboxRef | string;
  /** Renews the token (`POST /v1/sandboxes/{id}/token/refresh`) and, for an id, finds the host. */
  controlPlane?: ControlPlaneClient | ThrowingControlPlaneClient;
  /** Send requests here instead of `public_host` (a proxy, or a local mock). */
  baseUrl?: string;
  /** Renew the token when it has less than this many ms left (default 5 minutes). */
  tokenRefreshMargin?: number;
}

export type AgentClient = ResultClient<AgentPaths>;
export type ThrowingAgentClient = ThrowingClient<AgentPaths>;

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** Stands in for the host of a sandbox known only by id, until its `public_host` is looked up. */
const UNRESOLVED_HOST = 'https://sandbox-host.invalid';

export function createAgentClient(options: AgentClientOptions & { throwOnError?: false }): AgentClient;
export function createAgentClient(options: AgentClientOptions & { throwOnError: true }): ThrowingAgentClient;
export function createAgentClient(options: AgentClientOptions): AgentClient | ThrowingAgentClient;
export function createAgentClient(options: AgentClientOptions): AgentClient | ThrowingAgentClient {
  const given: SandboxRef = typeof options.sandbox === 'string' ? { id: options.sandbox } : options.sandbox;
  if (!given.id) throw new HopxConfigError('createAgentClient needs a sandbox id or a sandbox object with an id.');
  const sandbox = { ...given, id: given.id };
  const controlPlane = options.controlPlane ? resultClientOf(options.controlPlane) : undefined;
  const knownHost = options.baseUrl ?? sandbox.public_host ?? sandbox.direct_url;
  const initial = grantFrom(sandbox.auth_token, sandbox.token_expires_at);
  if (!controlPlane && (!knownHost || !initial)) {
    throw new HopxConfigError(
      `Sandbox ${sandbox.id}: without a controlPlane client the agent client needs the sandbox's public_host and auth_token ` +
        '(pass the object returned by POST /v1/sandboxes, or pass controlPlane).',
    );
  }

  const token = new SandboxToken(
    initial,
    () => renewToken(controlPlane, sandbox.id),
    options.tokenRefreshMargin ?? DEFAULT_REFRESH_MARGIN_MS,
  );
  let host: Promise<string> | undefined;
  /** The agent's host: the one given, or looked up once through the Control Plane. */
  const agentHost = (): Promise<string> => {
    if (knownHost) return Promise.resolve(knownHost);
    // Unreachable: the check above needs a controlPlane client when no host is known.
    if (!controlPlane) return Promise.reject(new HopxConfigError(`Sandbox ${sandbox.id}: no host to reach it at.`));
    host ??= lookUpHost(controlPlane, sandbox.id).catch((error) => {
      host = undefined;
      throw error;
    });
    return host;
  };

  const client = createApiClient<AgentPaths>({
    baseUrl: knownHost ? knownHost.replace(/\/+$/, '') : UNRESOLVED_HOST,
    placeholderBaseUrl: knownHost ? undefined : UNRESOLVED_HOST,
    resolveBaseUrl: knownHost ? undefined : agentHost,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    direct: options.fetch === undefined && isNodesOwnFetch(globalThis.fetch),
    timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries,
    log: options.log,
    headers: options.headers,
    throwOnError: options.throwOnError,
    secrets: () => token.known(),
    async authorize(headers) {
      headers.delete('X-API-Key');
      headers.set('Authorization', `Bearer ${await token.current()}`);
    },
    reauthorize: controlPlane
      ? (sent) => token.renewAfterRejection(sent.get('Authorization')?.replace(/^Bearer /, ''))
      : undefined,
  });
  registerAgentConnection(client, {
    sandboxId: sandbox.id,
    baseUrl: async () => (await agentHost()).replace(/\/+$/, ''),
    token,
    canRenew: controlPlane !== undefined,
    timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS,
  });
  return client;
}

async function renewToken(controlPlane: ControlPlaneClient | undefined, id: string): Promise<TokenGrant> {
  if (!controlPlane)
    throw new HopxConfigError(`Sandbox ${id}: its token has expired and no controlPlane client was given to renew it.`);
  const refreshed = dataOf(
    await controlPlane.POST('/v1/sandboxes/{id}/token/refresh', { params: { path: { id } } }),
    'POST /v1/sandboxes/{id}/token/refresh',
  );
  const grant = grantFrom(refreshed.auth_token, refreshed.token_expires_at);
  if (!grant) throw new HopxConfigError(`Sandbox ${id}: the token refresh answered without an auth_token.`);
  return grant;
}

async function lookUpHost(controlPlane: ControlPlaneClient, id: string): Promise<string> {
  const sandbox = dataOf(
    await controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } } }),
    'GET /v1/sandboxes/{id}',
  );
  const host = sandbox.public_host ?? sandbox.direct_url;
  if (!host) throw new HopxConfigError(`Sandbox ${id} has no public_host yet (status ${sandbox.status}).`);
  return host;
}
