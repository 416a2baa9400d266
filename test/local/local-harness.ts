// Shared by the local HopX tests: one local HopX per test file, the typed clients pointed at it, and
// the rule that every test file ends with zero spec violations in what the local HopX answered.
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type AgentClient,
  createAgentClient,
  createControlPlaneClient,
  type Sandbox,
  type ThrowingAgentClient,
  type ThrowingControlPlaneClient,
} from '../../src/index.js';
import { type LocalHopx, type LocalHopxOptions, startLocalHopx } from '../../src/local/index.js';

export interface LocalHarness {
  local: LocalHopx;
  hopx: ThrowingControlPlaneClient;
  /** A new sandbox and both styles of agent client for it. */
  sandbox(body?: { template_name?: string; timeout_seconds?: number; env_vars?: Record<string, string> }): Promise<{
    sandbox: Sandbox & { id: string };
    agent: ThrowingAgentClient;
    agentResult: AgentClient;
  }>;
}

/**
 * Starts a local HopX before the file's tests and closes it after them, failing the file if the
 * local HopX ever answered something the spec does not allow.
 */
export function useLocalHopx(options: LocalHopxOptions = {}): LocalHarness {
  const harness = {} as LocalHarness;
  beforeAll(async () => {
    harness.local = await startLocalHopx({ log: (line) => console.error(line), ...options });
    harness.hopx = createControlPlaneClient({
      apiKey: harness.local.apiKey,
      baseUrl: harness.local.url,
      throwOnError: true,
    });
    harness.sandbox = async (body = {}) => {
      const sandbox = await harness.hopx.POST('/v1/sandboxes', {
        body: { template_name: 'code-interpreter', ...body },
      });
      if (!sandbox.id) throw new Error('the local HopX created a sandbox without an id');
      const agent = createAgentClient({ sandbox, controlPlane: harness.hopx, throwOnError: true });
      const agentResult = createAgentClient({ sandbox, controlPlane: harness.hopx });
      return { sandbox: sandbox as Sandbox & { id: string }, agent, agentResult };
    };
  });
  afterAll(async () => {
    const violations = harness.local ? [...harness.local.violations()] : [];
    await harness.local?.close();
    expect(violations, 'the local HopX answered something the spec does not allow').toEqual([]);
  });
  return harness;
}
