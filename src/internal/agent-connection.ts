// What a WebSocket session needs from an agent client that openapi-fetch does not expose: where the
// sandbox's agent lives and its current token. Registered by createAgentClient, keyed by the client.
import type { SandboxToken } from './sandbox-token.js';

export interface AgentConnection {
  sandboxId: string;
  /** The agent's base URL (https), once known. */
  baseUrl(): Promise<string>;
  token: SandboxToken;
  /** Whether a rejected token can be renewed (a Control Plane client was given). */
  canRenew: boolean;
  /** The fetch and WebSocket defaults of the client. */
  timeoutMs: number;
}

const connections = new WeakMap<object, AgentConnection>();

export function registerAgentConnection(client: object, connection: AgentConnection): void {
  connections.set(client, connection);
}

export function agentConnectionOf(client: object): AgentConnection {
  const connection = connections.get(client);
  if (!connection) throw new TypeError('not an agent client created by createAgentClient');
  return connection;
}
