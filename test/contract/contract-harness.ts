// Shared by the contract tests: real clients pointed at the Prism mock, and a recorder that notes
// which spec operation each request was (by openapi-fetch's schemaPath, not by what a test claims).
import type { Middleware } from 'openapi-fetch';
import { inject } from 'vitest';
import {
  type AgentClient,
  type ControlPlaneClient,
  createAgentClient,
  createControlPlaneClient,
  type ThrowingAgentClient,
  type ThrowingControlPlaneClient,
} from '../../src/index.js';

export const API_KEY = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQtdmFsdWU';
export const SANDBOX_ID = '1761048129dsaqav4n';
export const SANDBOX_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzYW5kYm94X2lkIjoiMTc2MTA0ODEyOWRzYXFhdjRuIn0.c2lnbmF0dXJl';

export interface ContractClients {
  controlPlane: ControlPlaneClient;
  agent: AgentClient;
  /** The same APIs in the throwing style. */
  controlPlaneOrThrow: ThrowingControlPlaneClient;
  agentOrThrow: ThrowingAgentClient;
}

export interface ContractCall {
  /** `GET /v1/sandboxes/{id}`: the operation this call exercises, as the spec writes it. */
  operation: string;
  /** What this call checks, when one operation has several calls. */
  name?: string;
  run(clients: ContractClients): Promise<void>;
}

export interface RecordedCall {
  operation: string;
  status: number;
  violations: string | null;
}

export function createContractClients(recorded: RecordedCall[]): ContractClients {
  const baseUrl = inject('prismUrl');
  const recorder: Middleware = {
    onResponse({ request, response, schemaPath }) {
      recorded.push({
        operation: `${request.method} ${schemaPath}`,
        status: response.status,
        violations: response.headers.get('sl-violations'),
      });
    },
  };
  const sandbox = {
    id: SANDBOX_ID,
    public_host: baseUrl, // Prism serves every path at its root, whatever the spec's servers say
    auth_token: SANDBOX_TOKEN,
    token_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  };
  const controlPlane = createControlPlaneClient({ apiKey: API_KEY, baseUrl, maxRetries: 0 });
  const controlPlaneOrThrow = createControlPlaneClient({ apiKey: API_KEY, baseUrl, maxRetries: 0, throwOnError: true });
  const agent = createAgentClient({ sandbox, controlPlane, maxRetries: 0 });
  const agentOrThrow = createAgentClient({ sandbox, controlPlane, maxRetries: 0, throwOnError: true });
  for (const client of [controlPlane, controlPlaneOrThrow, agent, agentOrThrow]) client.use(recorder);
  return { controlPlane, agent, controlPlaneOrThrow, agentOrThrow };
}
