// Calls every HTTP operation of the spec through the typed clients against Prism (which validates
// each request and each response against the spec), then checks that none was left out.
// The six WebSocket routes are exercised by the stream tests: Prism cannot upgrade a connection.
import { describe, expect, it } from 'vitest';
import { isWebSocket, operations } from '../spec/bundled-spec.js';
import { agentCoreCalls } from './calls/agent-core.js';
import { agentDesktopCalls } from './calls/agent-desktop.js';
import { agentFilesCalls } from './calls/agent-files.js';
import { controlPlaneCalls } from './calls/control-plane.js';
import { type ContractCall, createContractClients, type RecordedCall } from './contract-harness.js';

const calls: ContractCall[] = [...controlPlaneCalls, ...agentCoreCalls, ...agentFilesCalls, ...agentDesktopCalls];
const recorded: RecordedCall[] = [];
const clients = createContractClients(recorded);

describe('contract: every HTTP operation against the Prism mock', () => {
  it.each(calls.map((c) => [c.name ? `${c.operation}: ${c.name}` : c.operation, c] as const))(
    '%s',
    async (_label, call) => {
      const before = recorded.length;
      await call.run(clients);
      const mine = recorded.slice(before);
      expect(mine.length, 'the call reached the server').toBeGreaterThan(0);
      expect(mine.map((r) => r.operation)).toContain(call.operation);
      // With --errors Prism reports any mismatch between a request or response and the spec.
      expect(mine.filter((r) => r.violations).map((r) => `${r.operation}: ${r.violations}`)).toEqual([]);
    },
  );

  it('exercised every HTTP operation of the spec', () => {
    const http = operations.filter((o) => !isWebSocket(o.op)).map((o) => o.key);
    const exercised = new Set(recorded.map((r) => r.operation));
    expect(http.filter((key) => !exercised.has(key))).toEqual([]);
    expect(http.length).toBe(96);
  });
});
